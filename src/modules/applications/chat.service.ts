import type { Knex } from 'knex'
import { withTenant } from '../../db/tenant-scope.ts'
import { audit } from '../../platform/audit.ts'
import { systemContext, type RequestContext } from '../../platform/context.ts'
import { NotFoundError } from '../../platform/errors.ts'
import { attachFiles } from '../../platform/files/attachments.ts'
import { isLocale, type Locale } from '../../platform/i18n/locales.ts'
import { publish } from '../../platform/live.ts'
import { portalLink } from '../../platform/mail/links.ts'
import { forEachActiveTenant } from '../../platform/tenancy/repo.ts'
import type { Tenant } from '../../platform/tenancy/settings.ts'
import { customerContact } from '../accounts/index.ts'
import { activeOperatorEmail } from '../operators/index.ts'
import { mayRead, readableBy, type ApplicationRow, type Reader } from './repo.ts'
import { topicOf, type ApplicationsDeps, type UploadedFile } from './service.ts'

export const MESSAGE_OWNER = 'application-message'
/** A message unread this long is emailed to the other side (one email per conversation per batch). */
export const UNREAD_MAIL_AFTER_MS = 10 * 60_000

/**
 * A message in an application's conversation, with its files: stored, announced live on
 * the application's topic (after commit), and the writer's own read marker moved past it.
 * Messages are never edited; a correction is a new message.
 */
export async function postMessage(
  deps: ApplicationsDeps,
  ctx: RequestContext,
  id: string,
  author: Reader,
  body: string,
  files: readonly UploadedFile[],
): Promise<{ n: number; at: Date }> {
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const application = await trx('applications')
      .where({ id })
      .forUpdate()
      .first<ApplicationRow | undefined>()
    if (!application || !mayRead(application, author)) throw new NotFoundError('application')
    const now = deps.clock.now()
    const [message] = await trx('application_messages')
      .insert({
        tenant_id: ctx.tenant.id,
        application_id: id,
        author_type: author.side === 'customer' ? 'customer' : 'operator',
        author_id: ctx.actor.id,
        body,
        created_at: now,
      })
      .returning<{ id: string; n: string }[]>(['id', 'n'])
    const stored = await attachFiles(trx, deps.files, ctx, { type: MESSAGE_OWNER, id: message!.id }, files)
    // Staff speak for the operator: what they write is audited like any other staff action.
    if (author.side === 'staff')
      await audit(trx, ctx, {
        action: 'application.message-sent',
        targetType: 'application',
        targetId: id,
        details: { message: Number(message!.n), files: stored.length },
      })
    const own = author.side === 'customer' ? 'customer_read_n' : 'staff_read_n'
    await trx('applications')
      .where({ id })
      .update({ last_message_n: message!.n, last_message_at: now, [own]: message!.n })
    await publish(trx, ctx.tenant.id, topicOf(id), {
      kind: 'message',
      n: Number(message!.n),
      author: author.side,
      body,
      at: now.toISOString(),
      files: stored.map((f) => ({ id: f.attachmentId, name: f.originalName })),
    })
    if (author.side === 'staff')
      await deps.events.emit(trx, ctx, 'account.changed', {
        accountId: application.customer_id,
        type: 'application.message',
        data: { application: id, number: application.number, n: Number(message!.n) },
      })
    return { n: Number(message!.n), at: now }
  })
}

interface Pending {
  id: string
  number: string | null
  customer_id: string
  assignee_id: string | null
  last_message_n: string
}

/**
 * The unread-message emails of one tenant: for each conversation whose newest message from
 * the other side has waited unread for ten minutes and was not covered by an earlier
 * email, one email — never one per message. Staff are reached through the assignee, else
 * the tenant's support address.
 */
export async function mailUnreadMessages(deps: ApplicationsDeps, tenant: Tenant): Promise<number> {
  const cutoff = new Date(deps.clock.now().getTime() - UNREAD_MAIL_AFTER_MS)
  const ctx = systemContext(tenant, 'unread-messages')
  let sent = 0
  await withTenant(deps.db, tenant.id, async (trx) => {
    for (const side of ['customer', 'staff'] as const) {
      const read = `${side}_read_n`
      const mailed = `${side}_mailed_n`
      const other = side === 'customer' ? 'operator' : 'customer'
      // The oldest message this side has neither read nor been emailed about is old enough.
      const due = await trx('applications as a')
        .whereRaw(`a.last_message_n > greatest(a.${read}, a.${mailed})`)
        .whereExists(function () {
          this.from('application_messages as m')
            .whereRaw('m.tenant_id = a.tenant_id AND m.application_id = a.id')
            .where('m.author_type', other)
            .whereRaw(`m.n > greatest(a.${read}, a.${mailed})`)
            .where('m.created_at', '<=', cutoff)
        })
        .forUpdate()
        .skipLocked()
        .select<Pending[]>('a.id', 'a.number', 'a.customer_id', 'a.assignee_id', 'a.last_message_n')
      for (const row of due) {
        await mailSide(deps, trx, ctx, side, row)
        await trx('applications')
          .where({ id: row.id })
          .update({ [mailed]: row.last_message_n })
        sent += 1
      }
    }
  })
  return sent
}

async function mailSide(
  deps: ApplicationsDeps,
  trx: Knex.Transaction,
  ctx: RequestContext,
  side: 'customer' | 'staff',
  row: Pending,
): Promise<void> {
  let to: string
  let locale: Locale = ctx.tenant.settings.defaultLocale
  let path: string
  if (side === 'customer') {
    const contact = await customerContact(trx, row.customer_id)
    if (!contact) return
    to = contact.email
    if (isLocale(contact.locale)) locale = contact.locale
    path = `/services/applications/${row.id}#chat`
  } else {
    const assignee = row.assignee_id ? await activeOperatorEmail(trx, row.assignee_id) : undefined
    to = assignee ?? ctx.tenant.settings.supportEmail
    path = `/admin/applications/${row.id}#chat`
  }
  await deps.outbox.enqueue(trx, ctx.tenant, {
    to,
    template: 'applications.mail.unread',
    locale,
    params: {
      tenant: ctx.tenant.settings.name,
      number: row.number ?? '—',
      link: portalLink(ctx, path),
    },
  })
}

export function mailUnreadForAllTenants(deps: ApplicationsDeps): Promise<number> {
  return forEachActiveTenant(deps.db, (tenant) => mailUnreadMessages(deps, tenant))
}

/**
 * A reader saw messages up to `n` without reloading (the live stream showed them): their
 * read marker moves there, never back and never past the newest message, so the
 * ten-minute email does not tell them about what they have read.
 */
export async function markRead(
  deps: ApplicationsDeps,
  ctx: RequestContext,
  id: string,
  reader: Reader,
  n: number,
): Promise<void> {
  const column = reader.side === 'customer' ? 'customer_read_n' : 'staff_read_n'
  await withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const updated = await trx('applications')
      .where({ id })
      .modify(readableBy(reader))
      .update({ [column]: trx.raw(`greatest(??, least(?::bigint, last_message_n))`, [column, n]) })
    if (!updated) throw new NotFoundError('application')
  })
}
