import type { Knex } from 'knex'
import type { RequestContext } from './context.ts'

export interface AuditEntry {
  action: string
  targetType?: string
  targetId?: string
  details?: Record<string, unknown>
}

/** Appends to the audit log in the caller's transaction, so the record and the change commit together. */
export async function audit(trx: Knex.Transaction, ctx: RequestContext, entry: AuditEntry): Promise<void> {
  await trx('audit_log').insert({
    tenant_id: ctx.tenant.id,
    actor_type: ctx.actor.type,
    actor_id: ctx.actor.id,
    action: entry.action,
    target_type: entry.targetType ?? null,
    target_id: entry.targetId ?? null,
    request_id: ctx.requestId,
    ip: ctx.ip ?? null,
    // What a representative did is kept as done by them for the account.
    details: ctx.actor.account ? { ...entry.details, forAccount: ctx.actor.account } : (entry.details ?? {}),
  })
}
