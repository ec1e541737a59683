import { withTenant } from '../../../db/tenant-scope.ts'
import { sendJob } from '../../../platform/jobs.ts'
import type { DeliveryRow, WebhooksDeps } from '../webhooks.service.ts'
import { send, signature } from './send.ts'

/** Deliveries' attempts: one job per attempt, the next queued by the one before. */
export const WEBHOOK_QUEUE = 'api.webhook-deliver'
/**
 * When to try again after each failed attempt, in seconds: eight attempts over a day
 * (at 0, 1 min, 6 min, 21 min, 1 h 21, 4 h 21, 10 h 21 and 22 h 21); then it has failed.
 */
export const RETRY_AFTER_S = [60, 300, 900, 3_600, 10_800, 21_600, 43_200] as const

export interface DeliveryJob {
  tenantId: string
  deliveryId: string
  /** The attempt this job is for: a job that finds another already made does nothing. */
  attempt: number
}

/**
 * One attempt at a delivery (the queue's worker): sent outside any transaction (a receiver
 * may take seconds), then recorded only if no other attempt was recorded meanwhile. A
 * failure is tried again on the schedule above; after the last, the delivery has failed.
 */
export async function deliverWebhook(deps: WebhooksDeps, job: DeliveryJob): Promise<void> {
  const found = await withTenant(deps.db, job.tenantId, (trx) =>
    trx('webhook_deliveries as d')
      .join('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
      .where({ 'd.id': job.deliveryId, 'd.status': 'pending', 'd.attempts': job.attempt - 1 })
      .whereNull('e.deleted_at')
      .first<(DeliveryRow & { url: string; secret: string }) | undefined>('d.*', 'e.url', 'e.secret'),
  )
  if (!found) return
  const now = deps.clock.now()
  const body = JSON.stringify({ id: found.id, ...found.payload })
  const result = await send(
    found.url,
    body,
    {
      'Content-Type': 'application/json',
      'User-Agent': 'Kabinet-Webhooks/1',
      'Kabinet-Delivery': found.id,
      'Kabinet-Event': found.event,
      'Kabinet-Signature': signature(found.secret, body, now),
    },
    deps.config.webhookPrivateAddresses,
  )
  const retryIn = result.ok ? undefined : RETRY_AFTER_S[job.attempt - 1]
  await withTenant(deps.db, job.tenantId, async (trx) => {
    const updated = await trx('webhook_deliveries')
      .where({ id: found.id, status: 'pending', attempts: job.attempt - 1 })
      .update({
        attempts: job.attempt,
        status: result.ok ? 'delivered' : retryIn === undefined ? 'failed' : 'pending',
        delivered_at: result.ok ? deps.clock.now() : null,
        next_attempt_at: retryIn === undefined ? null : new Date(deps.clock.now().getTime() + retryIn * 1000),
      })
    if (!updated) return
    await trx('webhook_attempts').insert({
      tenant_id: job.tenantId,
      delivery_id: found.id,
      n: job.attempt,
      at: now,
      status_code: result.statusCode,
      error: result.error,
      duration_ms: result.durationMs,
    })
    if (retryIn !== undefined) {
      const next: DeliveryJob = { ...job, attempt: job.attempt + 1 }
      await sendJob(deps.boss, trx, WEBHOOK_QUEUE, next, {
        singletonKey: `${found.id}:${next.attempt}`,
        startAfter: retryIn,
      })
    }
  })
}
