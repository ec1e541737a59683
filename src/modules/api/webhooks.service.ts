import type { Knex } from 'knex'
import type { PgBoss } from 'pg-boss'
import { withTenant } from '../../db/tenant-scope.ts'
import { audit } from '../../platform/audit.ts'
import type { Clock } from '../../platform/clock.ts'
import type { RequestContext } from '../../platform/context.ts'
import { InvalidFieldError, NotFoundError } from '../../platform/errors.ts'
import type { AccountEventType } from '../../platform/events.ts'
import { sendJob } from '../../platform/jobs.ts'
import { WEBHOOK_QUEUE, type DeliveryJob } from './webhooks/deliver.ts'
import { newSecret } from './webhooks/send.ts'

export type WebhooksDeps = {
  db: Knex
  clock: Clock
  boss: PgBoss
  config: { webhookPrivateAddresses: boolean }
}

/** Endpoints an account may have at once. */
export const MAX_ENDPOINTS = 5
/** The event a "send test event" button sends, besides the account's own events. */
export const PING = 'ping'
/** Deliveries (with their attempts) older than 90 days leave the log, daily. */
export const WEBHOOK_SWEEP = {
  queue: 'api.webhook-sweep',
  cron: '41 3 * * *',
  table: 'webhook_deliveries',
  column: 'created_at',
  keepMs: 90 * 86_400_000,
}
/** Deliveries shown in an endpoint's log, newest first. */
const LOG_SIZE = 50

export interface EndpointRow {
  id: string
  account_id: string
  created_by: string
  url: string
  events: string[]
  created_at: Date
  deleted_at: Date | null
}

export interface DeliveryRow {
  id: string
  endpoint_id: string
  event: string
  payload: Record<string, unknown>
  status: 'pending' | 'delivered' | 'failed' | 'cancelled'
  attempts: number
  created_at: Date
  next_attempt_at: Date | null
  delivered_at: Date | null
}

export interface AttemptRow {
  delivery_id: string
  n: number
  at: Date
  status_code: number | null
  error: string | null
  duration_ms: number
}

const ENDPOINT_COLUMNS = ['id', 'account_id', 'created_by', 'url', 'events', 'created_at', 'deleted_at']

/** The account's endpoint `id` while in use (another account's, or a deleted one, is none). */
const inUse = (trx: Knex.Transaction, accountId: string, id: string) =>
  trx('webhook_endpoints').where({ id, account_id: accountId }).whereNull('deleted_at')

/** The account's endpoints in use, oldest first. */
export function endpointsOf(
  deps: WebhooksDeps,
  ctx: RequestContext,
  accountId: string,
): Promise<EndpointRow[]> {
  return withTenant(deps.db, ctx.tenant.id, (trx) =>
    trx('webhook_endpoints')
      .where({ account_id: accountId })
      .whereNull('deleted_at')
      .orderBy('created_at')
      .select<EndpointRow[]>(ENDPOINT_COLUMNS),
  )
}

/** One of the account's endpoints in use with its latest deliveries and their attempts. */
export async function endpointLog(deps: WebhooksDeps, ctx: RequestContext, accountId: string, id: string) {
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const endpoint = await inUse(trx, accountId, id).first<EndpointRow | undefined>(ENDPOINT_COLUMNS)
    if (!endpoint) throw new NotFoundError('webhook endpoint')
    const deliveries = await trx('webhook_deliveries')
      .where({ endpoint_id: id })
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(LOG_SIZE)
      .select<DeliveryRow[]>('*')
    const attempts = await trx('webhook_attempts')
      .whereIn(
        'delivery_id',
        deliveries.map((d) => d.id),
      )
      .orderBy(['delivery_id', 'n'])
      .select<AttemptRow[]>('delivery_id', 'n', 'at', 'status_code', 'error', 'duration_ms')
    return {
      endpoint,
      deliveries: deliveries.map((d) => ({ ...d, tries: attempts.filter((a) => a.delivery_id === d.id) })),
    }
  })
}

/** A new endpoint; returns it with its secret, shown this once. */
export async function createEndpoint(
  deps: WebhooksDeps,
  ctx: RequestContext,
  accountId: string,
  personId: string,
  input: { url: string; events: AccountEventType[] },
): Promise<{ endpoint: EndpointRow; secret: string }> {
  const secret = newSecret()
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    // One at a time per account, so two forms cannot both pass the count.
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`webhooks:${accountId}`])
    const [count] = await trx('webhook_endpoints')
      .where({ account_id: accountId })
      .whereNull('deleted_at')
      .count<{ n: string }[]>('* as n')
    if (Number(count?.n) >= MAX_ENDPOINTS) throw new InvalidFieldError('url', 'api.webhooks.errors.tooMany')
    const [endpoint] = await trx('webhook_endpoints')
      .insert({
        tenant_id: ctx.tenant.id,
        account_id: accountId,
        created_by: personId,
        url: input.url,
        events: input.events,
        secret,
        created_at: deps.clock.now(),
      })
      .returning<EndpointRow[]>(ENDPOINT_COLUMNS)
    await audit(trx, ctx, {
      action: 'api.webhook-created',
      targetType: 'customer',
      targetId: accountId,
      details: { endpoint: endpoint!.id, url: input.url, events: input.events },
    })
    return { endpoint: endpoint!, secret }
  })
}

/** Removes an endpoint: nothing more is sent to it, what was waiting is cancelled, its log stays. */
export async function deleteEndpoint(
  deps: WebhooksDeps,
  ctx: RequestContext,
  accountId: string,
  id: string,
): Promise<void> {
  await withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const removed = await inUse(trx, accountId, id).update({
      deleted_at: deps.clock.now(),
      deleted_by: ctx.actor.id,
    })
    if (!removed) throw new NotFoundError('webhook endpoint')
    await trx('webhook_deliveries')
      .where({ endpoint_id: id, status: 'pending' })
      .update({ status: 'cancelled', next_attempt_at: null })
    await audit(trx, ctx, {
      action: 'api.webhook-deleted',
      targetType: 'customer',
      targetId: accountId,
      details: { endpoint: id },
    })
  })
}

/** Queues a delivery of `event` to each endpoint given, in the caller's transaction. */
async function queueDeliveries(
  deps: WebhooksDeps,
  trx: Knex.Transaction,
  ctx: RequestContext,
  endpoints: readonly { id: string }[],
  event: string,
  data: Record<string, unknown>,
): Promise<string[]> {
  const ids: string[] = []
  for (const endpoint of endpoints) {
    const [row] = await trx('webhook_deliveries')
      .insert({
        tenant_id: ctx.tenant.id,
        endpoint_id: endpoint.id,
        event,
        payload: { type: event, createdAt: deps.clock.now().toISOString(), data },
        created_at: deps.clock.now(),
        next_attempt_at: deps.clock.now(),
      })
      .returning<{ id: string }[]>('id')
    const job: DeliveryJob = { tenantId: ctx.tenant.id, deliveryId: row!.id, attempt: 1 }
    await sendJob(deps.boss, trx, WEBHOOK_QUEUE, job, { singletonKey: `${row!.id}:1` })
    ids.push(row!.id)
  }
  return ids
}

/**
 * The subscriber of `account.changed`: a delivery to each of the account's endpoints that
 * asked for this event, written with the change itself — sent if and only if it commits.
 */
export async function recordAccountEvent(
  deps: WebhooksDeps,
  trx: Knex.Transaction,
  ctx: RequestContext,
  event: { accountId: string; type: AccountEventType; data: Record<string, unknown> },
): Promise<void> {
  const endpoints = await trx('webhook_endpoints')
    .where({ account_id: event.accountId })
    .whereNull('deleted_at')
    .whereRaw('? = ANY(events)', [event.type])
    .select<{ id: string }[]>('id')
  if (endpoints.length) await queueDeliveries(deps, trx, ctx, endpoints, event.type, event.data)
}

/** The "send test event" button: a `ping` to one endpoint, through the same deliveries. */
export async function sendTestEvent(
  deps: WebhooksDeps,
  ctx: RequestContext,
  accountId: string,
  id: string,
): Promise<void> {
  await withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const endpoint = await inUse(trx, accountId, id).first<{ id: string } | undefined>('id')
    if (!endpoint) throw new NotFoundError('webhook endpoint')
    await queueDeliveries(deps, trx, ctx, [endpoint], PING, { endpoint: id })
  })
}
