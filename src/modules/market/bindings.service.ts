import type { Knex } from 'knex'
import { containing } from '../../db/knex.ts'
import { withTenant } from '../../db/tenant-scope.ts'
import { audit } from '../../platform/audit.ts'
import type { RequestContext } from '../../platform/context.ts'
import { InvalidFieldError, NotFoundError } from '../../platform/errors.ts'
import { attachFiles } from '../../platform/files/attachments.ts'
import type { AcceptedFile } from '../../platform/files/sniff.ts'
import { isUuid } from '../../platform/ids.ts'
import { normaliseIdentifier } from '../../platform/identifiers/index.ts'
import { addDays, dayOf } from '../../platform/time/intervals.ts'
import {
  BINDING_OWNER,
  bindingQuery,
  emailParty,
  loadBinding,
  moveBinding,
  type Binding,
  type BindingRow,
} from './bindings.repo.ts'
import type { MarketDeps, MemberRow } from './registration.service.ts'
import { marketSettings } from './settings.ts'

// Retail binding, the parties' side (seed 003, item 8): an approved supplier finds and
// binds an approved power user, the user answers, either ends an approved binding early.

/** The signed-in customer's approved membership (a binding is between approved members). */
async function approvedMember(trx: Knex.Transaction, customerId: string): Promise<MemberRow> {
  const member = await trx('market_members')
    .where({ customer_id: customerId, status: 'approved' })
    .first<MemberRow | undefined>()
  if (!member) throw new NotFoundError('approved market member')
  return member
}

/** A binding the customer is a party to, locked when asked, with their side. */
async function partyTo(trx: Knex.Transaction, customerId: string, id: string, lock = false) {
  const member = await approvedMember(trx, customerId)
  const query = trx('retail_bindings')
    .where({ id })
    .andWhere((w) => {
      void w.where({ supplier_id: member.id }).orWhere({ user_id: member.id })
    })
  const row = await (lock ? query.forUpdate() : query).first<
    { id: string; supplier_id: string; user_id: string; from: string; to: string } | undefined
  >(
    'id',
    'supplier_id',
    'user_id',
    trx.raw(`lower(period)::text AS "from", (upper(period) - 1)::text AS "to"`),
  )
  if (!row) throw new NotFoundError('retail binding')
  return { member, row, side: row.supplier_id === member.id ? ('supplier' as const) : ('user' as const) }
}

/** What a supplier sees of a power user it may bind. */
const POWER_USER = ['id', 'company_name', 'dispatch_name', 'uscc'] as const
type PowerUser = Record<(typeof POWER_USER)[number], string>

/** Approved power users a supplier may bind, by name, dispatch name or unified social credit code. */
export async function searchPowerUsers(deps: MarketDeps, ctx: RequestContext, customerId: string, q: string) {
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const me = await approvedMember(trx, customerId)
    if (me.member_type !== 'supplier') throw new NotFoundError('retail binding')
    if (!q) return []
    const term = containing(q)
    return trx('market_members')
      .where({ member_type: 'power_user', status: 'approved' })
      .andWhere((w) => {
        void w
          .whereILike('company_name', term)
          .orWhereILike('dispatch_name', term)
          .orWhere('uscc', normaliseIdentifier('cn.uscc', q))
      })
      .orderBy('company_name')
      .limit(20)
      .select<PowerUser[]>(POWER_USER)
  })
}

/** An approved power user by id, for the binding form's "chosen" line (none if not one). */
export async function powerUserToBind(deps: MarketDeps, ctx: RequestContext, id: string) {
  if (!isUuid(id)) return undefined
  return withTenant(deps.db, ctx.tenant.id, (trx) =>
    trx('market_members')
      .where({ id, member_type: 'power_user', status: 'approved' })
      .first<PowerUser | undefined>(POWER_USER),
  )
}

export interface BindingInput {
  userId: string
  from: string
  to: string
  contractRef: string
}

/** The database's refusal of an overlap, said beside the period. */
function overlapRefused(err: unknown): never {
  if ((err as { code?: string }).code === '23P01')
    throw new InvalidFieldError('from', 'market.bindings.errors.overlap')
  throw err
}

async function submitIn(
  trx: Knex.Transaction,
  deps: MarketDeps,
  ctx: RequestContext,
  id: string,
  userId: string,
) {
  // Submissions for one user take turns: two at once would each wait on the other's row in
  // the exclusion check (a deadlock, seen as a 500) instead of one being refused as an overlap.
  await trx('market_members').where({ id: userId }).forUpdate().first('id')
  await moveBinding(trx, ctx, id, { to: 'awaiting_user', expected: 'draft', role: 'customer' })
  await trx('retail_bindings').where({ id }).update({ submitted_at: deps.clock.now() })
  await emailParty(trx, deps, ctx, userId, 'requested', id)
}

/**
 * A supplier's new binding of an approved power user (Save keeps it a draft; Submit sends
 * it to the user at once). Its attachment comes with it. Days must start today or later
 * in the tenant's zone. An overlap with another binding of the user is refused.
 */
export async function createBinding(
  deps: MarketDeps,
  ctx: RequestContext,
  customerId: string,
  input: BindingInput,
  files: readonly (AcceptedFile & { field: string })[],
  submit: boolean,
): Promise<string> {
  const today = dayOf(deps.clock.now(), ctx.tenant.settings.timeZone)
  if (input.from < today) throw new InvalidFieldError('from', 'market.bindings.errors.fromPast')
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const supplier = await approvedMember(trx, customerId)
    if (supplier.member_type !== 'supplier') throw new NotFoundError('retail binding')
    const user = await trx('market_members')
      .where({ id: input.userId, member_type: 'power_user', status: 'approved' })
      .first<{ id: string } | undefined>('id')
    if (!user) throw new InvalidFieldError('userId', 'market.bindings.errors.user')
    const [row] = await trx('retail_bindings')
      .insert({
        tenant_id: ctx.tenant.id,
        supplier_id: supplier.id,
        user_id: user.id,
        period: trx.raw(`daterange(?::date, ?::date, '[]')`, [input.from, input.to]),
        contract_ref: input.contractRef,
      })
      .returning<{ id: string }[]>('id')
    await attachFiles(trx, deps.files, ctx, { type: BINDING_OWNER, id: row!.id }, files)
    await audit(trx, ctx, { action: 'market.binding-created', targetType: BINDING_OWNER, targetId: row!.id })
    if (submit) await submitIn(trx, deps, ctx, row!.id, user.id)
    return row!.id
  }).catch(overlapRefused)
}

/** The supplier submits a saved draft to the user. */
export async function submitBinding(deps: MarketDeps, ctx: RequestContext, customerId: string, id: string) {
  await withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const { row, side } = await partyTo(trx, customerId, id, true)
    if (side !== 'supplier') throw new NotFoundError('retail binding')
    await submitIn(trx, deps, ctx, id, row.user_id)
  }).catch(overlapRefused)
}

/** The power user confirms (then it goes to the centre) or declines; the supplier is emailed. */
export async function respondToBinding(
  deps: MarketDeps,
  ctx: RequestContext,
  customerId: string,
  id: string,
  confirm: boolean,
  comment: string,
) {
  await withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const { row, side } = await partyTo(trx, customerId, id, true)
    if (side !== 'user') throw new NotFoundError('retail binding')
    const to = confirm ? 'awaiting_centre' : 'declined'
    await moveBinding(trx, ctx, id, { to, expected: 'awaiting_user', role: 'customer', comment })
    await emailParty(trx, deps, ctx, row.supplier_id, to, id, () => ({ comment: comment.trim() }))
  })
}

/**
 * Either party ends an approved binding early, on a day at least the tenant's notice
 * ahead and before its end: the period is shortened, the row kept, the other party told.
 */
export async function endBinding(
  deps: MarketDeps,
  ctx: RequestContext,
  customerId: string,
  id: string,
  endOn: string,
) {
  await withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const { row, side } = await partyTo(trx, customerId, id, true)
    const earliest = addDays(
      dayOf(deps.clock.now(), ctx.tenant.settings.timeZone),
      marketSettings.of(ctx.tenant).bindingNoticeDays,
    )
    if (endOn < earliest) throw new InvalidFieldError('endOn', 'market.bindings.errors.notice')
    if (endOn >= row.to || endOn < row.from)
      throw new InvalidFieldError('endOn', 'market.bindings.errors.endOn')
    await moveBinding(trx, ctx, id, { to: 'ended', expected: 'approved', role: 'customer' })
    await trx('retail_bindings')
      .where({ id })
      .update({
        period: trx.raw(`daterange(lower(period), ?::date, '[]')`, [endOn]),
        ended_on: endOn,
        ended_by: side,
      })
    const other = side === 'supplier' ? row.user_id : row.supplier_id
    await emailParty(trx, deps, ctx, other, 'ended', id, (m) => ({ day: m.fmt.date(endOn) }))
  })
}

/** The bindings the customer is a party to (as supplier or as user), newest first. */
export async function bindingsOf(deps: MarketDeps, ctx: RequestContext, customerId: string) {
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const member = await approvedMember(trx, customerId)
    if (member.member_type === 'generator') throw new NotFoundError('retail bindings')
    const rows = await bindingQuery(trx)
      .where((w) => {
        void w.where('b.supplier_id', member.id).orWhere('b.user_id', member.id)
      })
      .orderBy('b.created_at', 'desc')
      .limit(200)
    return { member, bindings: rows as BindingRow[] }
  })
}

/** One binding for a party to it; anyone else finds nothing. */
export async function bindingFor(
  deps: MarketDeps,
  ctx: RequestContext,
  customerId: string,
  id: string,
): Promise<Binding> {
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const { side } = await partyTo(trx, customerId, id)
    return { ...(await loadBinding(trx, id)), side }
  })
}
