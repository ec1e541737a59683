import { containing } from '../../db/knex.ts'
import { withTenant } from '../../db/tenant-scope.ts'
import { listPage, QUEUE_COUNT_UP_TO, type Page } from '../../http/lists.ts'
import { staffRole, type RequestContext } from '../../platform/context.ts'
import { InvalidFieldError, NotFoundError } from '../../platform/errors.ts'
import { applyTransition } from '../../platform/workflow/index.ts'
import { customerContact, emailCustomer } from '../accounts/index.ts'
import { grantService } from '../services/index.ts'
import { partsOf, type Part } from './rules.ts'
import {
  loadRegistration,
  MEMBER_OWNER,
  type MarketDeps,
  type MemberRow,
  type Registration,
} from './registration.service.ts'
import { MEMBER_WORKFLOW } from './workflow.ts'

export interface QueueFilters {
  status?: string
  type?: string
  q?: string
}

export type QueueRow = Pick<
  MemberRow,
  'id' | 'member_type' | 'status' | 'company_name' | 'dispatch_name' | 'submitted_at' | 'created_at'
>

/**
 * The trading centre's queue (item 7): registrations that reached review (drafts are the
 * applicants' own), oldest submission first, filtered by status, member type and a
 * search of the company or dispatch name.
 */
export function registrationQueue(
  deps: MarketDeps,
  ctx: RequestContext,
  filters: QueueFilters,
  page: number,
): Promise<Page<QueueRow>> {
  return listPage(
    deps.db,
    ctx,
    (trx) => {
      const query = trx('market_members')
        .whereNot({ status: 'draft' })
        .select('id', 'member_type', 'status', 'company_name', 'dispatch_name', 'submitted_at', 'created_at')
        .orderBy([{ column: 'submitted_at', order: 'asc' }, { column: 'id' }])
      if (filters.status) query.where({ status: filters.status })
      if (filters.type) query.where({ member_type: filters.type })
      if (filters.q) {
        const term = containing(filters.q)
        query.where((w) => {
          void w.whereILike('company_name', term).orWhereILike('dispatch_name', term)
        })
      }
      return query
    },
    page,
    { countUpTo: QUEUE_COUNT_UP_TO },
  )
}

/** One registration, whole, for staff; a draft is not theirs to see yet. */
export async function registrationForStaff(
  deps: MarketDeps,
  ctx: RequestContext,
  id: string,
): Promise<Registration & { email: string | null }> {
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const member = await trx('market_members')
      .where({ id })
      .whereNot({ status: 'draft' })
      .first<MemberRow | undefined>()
    if (!member) throw new NotFoundError('market registration')
    const contact = await customerContact(trx, member.customer_id)
    return { ...(await loadRegistration(trx, ctx, member)), email: contact?.email ?? null }
  })
}

/**
 * Approve (the member gets the market service), reject with a reason, or return naming
 * the parts to correct (only those become editable again). The applicant is emailed in
 * the same transaction; a decision on a registration that changed meanwhile is a conflict.
 */
export async function decideRegistration(
  deps: MarketDeps,
  ctx: RequestContext,
  id: string,
  decision: { to: 'approved' | 'rejected' | 'returned'; comment: string; parts: string[] },
): Promise<void> {
  await withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const member = await trx('market_members').where({ id }).first<MemberRow | undefined>()
    if (!member || member.status === 'draft') throw new NotFoundError('market registration')
    const allowed = partsOf(member.member_type)
    const parts = decision.parts.filter((p): p is Part => (allowed as string[]).includes(p))
    if (decision.to === 'returned' && parts.length === 0)
      throw new InvalidFieldError('parts', 'market.errors.returnParts')
    await applyTransition(
      trx,
      ctx,
      MEMBER_WORKFLOW,
      { table: 'market_members', type: MEMBER_OWNER, id },
      {
        to: decision.to,
        expected: 'submitted',
        role: staffRole(ctx),
        comment: decision.comment,
        notify: async (t) => {
          await emailCustomer(t, deps, ctx, member.customer_id, `market.mail.${decision.to}`, (m) => ({
            company: member.company_name ?? '',
            comment: decision.comment.trim(),
            parts: parts.map((p) => `• ${m.t(`market.parts.${p}`)}`).join('\n'),
            link: m.link(decision.to === 'approved' ? '/services/market' : '/services/market/registration'),
          }))
        },
      },
    )
    const now = deps.clock.now()
    await trx('market_members')
      .where({ id })
      .update({ return_parts: decision.to === 'returned' ? parts : [], decided_at: now, updated_at: now })
    if (decision.to === 'approved') await grantService(deps, trx, ctx, member.customer_id, 'market', now)
  })
}
