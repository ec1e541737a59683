import type { Knex } from 'knex'
import type { Deps } from '../../deps.ts'
import { isUniqueViolation } from '../../db/knex.ts'
import { withTenant } from '../../db/tenant-scope.ts'
import { audit } from '../../platform/audit.ts'
import type { RequestContext } from '../../platform/context.ts'
import { ConflictError, InvalidFieldError, NotFoundError } from '../../platform/errors.ts'
import {
  attachFiles,
  attachmentsOf,
  attachmentsOfMany,
  detachFile,
  type Attachment,
} from '../../platform/files/attachments.ts'
import type { AcceptedFile } from '../../platform/files/sniff.ts'
import { applyTransition, statusHistory, type HistoryEntry } from '../../platform/workflow/index.ts'
import { missingItems, type Missing, type Part } from './rules.ts'
import { marketSettings, type MemberType } from './settings.ts'
import { MEMBER_WORKFLOW } from './workflow.ts'

export type MarketDeps = Pick<Deps, 'db' | 'clock' | 'outbox' | 'i18n' | 'files' | 'events' | 'reference'>

export const MEMBER_OWNER = 'market-member'
export const UNIT_OWNER = 'market-unit'

export interface MemberRow {
  id: string
  customer_id: string
  member_type: MemberType
  status: 'draft' | 'submitted' | 'returned' | 'approved' | 'rejected'
  saved_parts: string[]
  return_parts: string[]
  company_name: string | null
  dispatch_name: string | null
  legal_representative_id: string | null
  licence_exempt: boolean | null
  licence_state: string | null
  licence_number: string | null
  licence_expected_on: string | null
  uscc: string | null
  contact_name: string | null
  contact_phone: string | null
  contact_email: string | null
  voltage_level: string | null
  annual_consumption_mwh: string | null
  installed_capacity_mw: string | null
  registered_capital_cny: string | null
  submitted_at: Date | null
  decided_at: Date | null
  created_at: Date
}

export interface UnitRow {
  id: string
  member_id: string
  kind: 'consumption' | 'generating'
  name: string
  metering_point: string | null
  utility_account: string | null
  address: string | null
  voltage_level: string | null
  unit_type: string | null
  capacity_mw: string | null
  dispatch_name: string | null
  connected_on: string | null
}

/** A registration as both sides see it: the row, its files, units (with theirs), history, what is missing. */
export interface Registration {
  member: MemberRow
  attachments: Attachment[]
  units: (UnitRow & { documents: Attachment[] })[]
  history: HistoryEntry[]
  missing: Missing[]
}

export async function loadRegistration(
  trx: Knex.Transaction,
  ctx: RequestContext,
  member: MemberRow,
): Promise<Registration> {
  const attachments = await attachmentsOf(trx, { type: MEMBER_OWNER, id: member.id })
  const unitRows = await trx('market_units')
    .where({ member_id: member.id })
    .orderBy([{ column: 'created_at' }, { column: 'id' }])
    .select<UnitRow[]>()
  const documents = await attachmentsOfMany(
    trx,
    UNIT_OWNER,
    unitRows.map((u) => u.id),
  )
  const units = unitRows.map((u) => ({ ...u, documents: documents.get(u.id) ?? [] }))
  const missing = missingItems(
    member,
    new Set(attachments.map((a) => a.field)),
    units.map((u) => ({ ...u, documents: new Set(u.documents.map((d) => d.field)) })),
    marketSettings.of(ctx.tenant),
  )
  return {
    member,
    attachments,
    units,
    missing,
    history: await statusHistory(trx, { type: MEMBER_OWNER, id: member.id }),
  }
}

/** The signed-in customer's registration, if they started one. */
export async function registrationOf(
  deps: MarketDeps,
  ctx: RequestContext,
  customerId: string,
): Promise<Registration | undefined> {
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const member = await trx('market_members')
      .where({ customer_id: customerId })
      .first<MemberRow | undefined>()
    return member ? loadRegistration(trx, ctx, member) : undefined
  })
}

/** What the applicant may still change: everything of a draft, the named parts of a returned one. */
export function editable(member: Pick<MemberRow, 'status' | 'return_parts'>, part: Part | 'type'): boolean {
  if (member.status === 'draft') return true
  return member.status === 'returned' && part !== 'type' && member.return_parts.includes(part)
}

/** The customer's registration, locked for the rest of the transaction. */
export async function lockRegistration(trx: Knex.Transaction, customerId: string): Promise<MemberRow> {
  const member = await trx('market_members')
    .where({ customer_id: customerId })
    .forUpdate()
    .first<MemberRow | undefined>()
  if (!member) throw new NotFoundError('market registration')
  return member
}

/** Locks the customer's registration for a change to `part`; refused once it is out of their hands. */
async function ownForChange(
  trx: Knex.Transaction,
  customerId: string,
  part: Part | 'type',
): Promise<MemberRow> {
  const member = await lockRegistration(trx, customerId)
  if (!editable(member, part)) throw new ConflictError(`registration is ${member.status}`)
  return member
}

/**
 * The member type (the first step): starts the registration, or changes the type of a
 * draft. A change keeps what was saved; the completeness check asks again for whatever
 * the new type needs.
 */
export async function chooseType(
  deps: MarketDeps,
  ctx: RequestContext,
  customerId: string,
  type: MemberType,
): Promise<void> {
  await withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const [row] = await trx('market_members')
      .insert({ tenant_id: ctx.tenant.id, customer_id: customerId, member_type: type })
      .onConflict(['tenant_id', 'customer_id'])
      .ignore()
      .returning<{ id: string }[]>('id')
    if (row) {
      await audit(trx, ctx, {
        action: 'market.registration-started',
        targetType: MEMBER_OWNER,
        targetId: row.id,
        details: { type },
      })
      return
    }
    const member = await ownForChange(trx, customerId, 'type')
    if (member.member_type === type) return
    await trx('market_members')
      .where({ id: member.id })
      .update({ member_type: type, updated_at: deps.clock.now() })
    await audit(trx, ctx, {
      action: 'market.type-changed',
      targetType: MEMBER_OWNER,
      targetId: member.id,
      details: { type },
    })
  })
}

/** Saves one part of the member information (columns already checked by its form); marks it saved. */
export async function savePart(
  deps: MarketDeps,
  ctx: RequestContext,
  customerId: string,
  part: Exclude<Part, 'attachments' | 'units'>,
  columns: Record<string, unknown>,
): Promise<void> {
  try {
    await withTenant(deps.db, ctx.tenant.id, async (trx) => {
      const member = await ownForChange(trx, customerId, part)
      await trx('market_members')
        .where({ id: member.id })
        .update({
          ...columns,
          saved_parts: trx.raw('array(SELECT DISTINCT unnest(saved_parts || ?::text[]))', [[part]]),
          updated_at: deps.clock.now(),
        })
      await audit(trx, ctx, {
        action: 'market.part-saved',
        targetType: MEMBER_OWNER,
        targetId: member.id,
        details: { part },
      })
    })
  } catch (err) {
    // Two companies claiming one dispatch name: the database decides, the loser is told beside the field.
    if (isUniqueViolation(err, 'market_members_dispatch_name_uq'))
      throw new InvalidFieldError('dispatchName', 'market.errors.dispatchNameTaken')
    throw err
  }
}

/** Uploaded documents, each under the kind it was sent as (already checked by type and size). */
export async function addAttachments(
  deps: MarketDeps,
  ctx: RequestContext,
  customerId: string,
  files: readonly (AcceptedFile & { field: string })[],
): Promise<void> {
  await withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const member = await ownForChange(trx, customerId, 'attachments')
    await attachFiles(trx, deps.files, ctx, { type: MEMBER_OWNER, id: member.id }, files)
    await audit(trx, ctx, {
      action: 'market.attachments-added',
      targetType: MEMBER_OWNER,
      targetId: member.id,
      details: { kinds: files.map((f) => f.field) },
    })
  })
}

export async function removeAttachment(
  deps: MarketDeps,
  ctx: RequestContext,
  customerId: string,
  attachmentId: string,
): Promise<void> {
  await withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const member = await lockRegistration(trx, customerId)
    // Someone else's document is not there, whatever state this registration is in; a
    // registration out of the applicant's hands refuses after, which rolls the removal back.
    if (!(await detachFile(trx, { type: MEMBER_OWNER, id: member.id }, attachmentId)))
      throw new NotFoundError('attachment')
    if (!editable(member, 'attachments')) throw new ConflictError(`registration is ${member.status}`)
    await audit(trx, ctx, {
      action: 'market.attachment-removed',
      targetType: MEMBER_OWNER,
      targetId: member.id,
    })
  })
}

/**
 * Complete registration (item 6): refused with the list of what is missing while anything
 * required is; otherwise the whole registration goes to the trading centre's review.
 */
export async function completeRegistration(
  deps: MarketDeps,
  ctx: RequestContext,
  customerId: string,
): Promise<Missing[]> {
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const member = await lockRegistration(trx, customerId)
    if (member.status !== 'draft' && member.status !== 'returned')
      throw new ConflictError(`registration is ${member.status}`)
    const { missing } = await loadRegistration(trx, ctx, member)
    if (missing.length) return missing
    await applyTransition(
      trx,
      ctx,
      MEMBER_WORKFLOW,
      { table: 'market_members', type: MEMBER_OWNER, id: member.id },
      {
        to: 'submitted',
        expected: member.status,
        role: 'customer',
      },
    )
    await trx('market_members')
      .where({ id: member.id })
      .update({ submitted_at: deps.clock.now(), return_parts: [], updated_at: deps.clock.now() })
    return []
  })
}
