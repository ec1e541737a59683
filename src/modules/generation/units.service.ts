import type { Knex } from 'knex'
import { containing } from '../../db/knex.ts'
import { withTenant } from '../../db/tenant-scope.ts'
import { audit } from '../../platform/audit.ts'
import type { RequestContext } from '../../platform/context.ts'
import { InvalidFieldError, NotFoundError } from '../../platform/errors.ts'
import { paginate, type Page } from '../../http/lists.ts'
import { customerContact, customerEmails, findCustomerByEmail } from '../accounts/index.ts'
import { enrolmentEmails, findEnrolment, pendingEnrolmentFor } from '../services/index.ts'
import type { GenerationDeps } from './service.ts'

export const TECHNOLOGIES = ['pv', 'wind', 'hydro', 'chp', 'biogas', 'storage', 'other'] as const
export type Technology = (typeof TECHNOLOGIES)[number]

export interface UnitRow {
  id: string
  /** Null while the unit waits for its PGB enrolment to be redeemed. */
  customer_id: string | null
  enrolment_id: string | null
  code: string
  name: string
  technology: Technology
  capacity_kw: string
  /** A storage unit's charging capacity (its values may go down to minus this); none for others. */
  charging_kw: string | null
  connection_point: string
  active_from: string
  active_to: string | null
}

export interface UnitInput {
  /** The owner, or — while their token is not redeemed yet — their pending PGB enrolment. */
  owner: { customerId: string } | { enrolmentId: string }
  code: string
  name: string
  technology: Technology
  capacityKw: number
  chargingKw: number | null
  connectionPoint: string
  activeFrom: string
  activeTo: string | null
}

const unitColumns = (input: UnitInput) => ({
  customer_id: 'customerId' in input.owner ? input.owner.customerId : null,
  enrolment_id: 'enrolmentId' in input.owner ? input.owner.enrolmentId : null,
  code: input.code,
  name: input.name,
  technology: input.technology,
  capacity_kw: input.capacityKw,
  charging_kw: input.chargingKw,
  connection_point: input.connectionPoint,
  active_from: input.activeFrom,
  active_to: input.activeTo,
})

export async function saveUnit(
  deps: GenerationDeps,
  ctx: RequestContext,
  id: string | null,
  input: UnitInput,
): Promise<string> {
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    if ('customerId' in input.owner && !(await customerContact(trx, input.owner.customerId)))
      throw new InvalidFieldError('customerEmail', 'generation.errors.customer')
    const taken = await trx('generating_units')
      .where({ code: input.code })
      .modify((q) => void (id ? q.whereNot({ id }) : q))
      .first<{ id: string } | undefined>('id')
    if (taken) throw new InvalidFieldError('code', 'generation.errors.codeTaken')
    // The token may have been redeemed since the form was shown: its customer owns the unit.
    if ('enrolmentId' in input.owner) {
      const usedBy = (await findEnrolment(trx, input.owner.enrolmentId))?.used_by
      if (usedBy) input = { ...input, owner: { customerId: usedBy } }
    }
    let unitId: string
    if (id) {
      const updated = await trx('generating_units').where({ id }).update(unitColumns(input))
      if (!updated) throw new NotFoundError('unit')
      unitId = id
    } else {
      const [row] = await trx('generating_units')
        .insert({ tenant_id: ctx.tenant.id, ...unitColumns(input) })
        .returning<{ id: string }[]>('id')
      unitId = row!.id
    }
    await audit(trx, ctx, {
      action: id ? 'generation.unit-updated' : 'generation.unit-created',
      targetType: 'generating-unit',
      targetId: unitId,
      details: { code: input.code, capacityKw: input.capacityKw },
    })
    return unitId
  })
}

/**
 * Units added for a PGB enrolment become their customer's when the token is redeemed: the
 * services module tells us inside the redeeming transaction, and the change is audited.
 */
export async function claimUnitsOfEnrolment(
  trx: Knex.Transaction,
  ctx: RequestContext,
  event: { enrolmentId: string; customerId: string },
): Promise<void> {
  const claimed = await trx('generating_units')
    .where({ enrolment_id: event.enrolmentId })
    .whereNull('customer_id')
    .update({ customer_id: event.customerId })
    .returning<{ id: string; code: string }[]>(['id', 'code'])
  for (const unit of claimed)
    await audit(trx, ctx, {
      action: 'generation.unit-claimed',
      targetType: 'generating-unit',
      targetId: unit.id,
      details: { code: unit.code, enrolmentId: event.enrolmentId, customerId: event.customerId },
    })
}

/**
 * Who a new unit belongs to, by the address staff typed: the customer's account, or —
 * seed 000 step 2, before the token is redeemed — their pending PGB enrolment.
 */
export function ownerByEmail(
  deps: GenerationDeps,
  ctx: RequestContext,
  email: string,
): Promise<UnitInput['owner'] | undefined> {
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const customer = await findCustomerByEmail(trx, email)
    if (customer) return { customerId: customer.id }
    const enrolment = await pendingEnrolmentFor(trx, 'pgb', email, deps.clock.now())
    return enrolment ? { enrolmentId: enrolment.id } : undefined
  })
}

/** The address a unit's owner is known by: their account's, or the pending enrolment's. */
export async function ownerEmail(
  deps: GenerationDeps,
  ctx: RequestContext,
  unit: Pick<UnitRow, 'customer_id' | 'enrolment_id'>,
): Promise<string | undefined> {
  return withTenant(deps.db, ctx.tenant.id, async (trx) =>
    unit.customer_id
      ? (await customerContact(trx, unit.customer_id))?.email
      : unit.enrolment_id
        ? (await findEnrolment(trx, unit.enrolment_id))?.email
        : undefined,
  )
}

/** The address a PGB enrolment was issued to (a new unit's form starts with it). */
export async function enrolmentEmail(deps: GenerationDeps, ctx: RequestContext, id: string) {
  return withTenant(deps.db, ctx.tenant.id, async (trx) => (await findEnrolment(trx, id))?.email)
}

export type ListedUnit = UnitRow & { owner_email: string; token_pending: boolean }

/**
 * A page of the tenant's units, by code, optionally those whose code or name contains
 * `q`; each with its owner's address (the customer's, or the pending enrolment's).
 */
export function unitList(
  deps: GenerationDeps,
  ctx: RequestContext,
  options: { page: number; q: string },
): Promise<Page<ListedUnit>> {
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const query = trx('generating_units').orderBy('code').select<UnitRow[]>()
    if (options.q) {
      const like = containing(options.q)
      void query.where((w) => void w.whereILike('code', like).orWhereILike('name', like))
    }
    const page = await paginate<UnitRow>(query, options.page)
    const customers = await customerEmails(
      trx,
      page.rows.flatMap((u) => (u.customer_id ? [u.customer_id] : [])),
    )
    const enrolments = await enrolmentEmails(
      trx,
      page.rows.flatMap((u) => (u.enrolment_id ? [u.enrolment_id] : [])),
    )
    return {
      ...page,
      rows: page.rows.map((u) => ({
        ...u,
        owner_email:
          (u.customer_id ? customers.get(u.customer_id) : enrolments.get(u.enrolment_id ?? '')) ?? '',
        token_pending: !u.customer_id,
      })),
    }
  })
}

/** Every unit of the tenant active on `day`, by code (the operators' export of a day). */
export function unitsActiveOn(deps: GenerationDeps, ctx: RequestContext, day: string): Promise<UnitRow[]> {
  return withTenant(deps.db, ctx.tenant.id, (trx) =>
    trx('generating_units')
      .where('active_from', '<=', day)
      .where((w) => void w.whereNull('active_to').orWhere('active_to', '>=', day))
      .orderBy('code')
      .select<UnitRow[]>(),
  )
}

export function unitsOf(deps: GenerationDeps, ctx: RequestContext, customerId: string): Promise<UnitRow[]> {
  return withTenant(deps.db, ctx.tenant.id, (trx) =>
    trx('generating_units').where({ customer_id: customerId }).orderBy('code').select<UnitRow[]>(),
  )
}

export async function unitOf(
  deps: GenerationDeps,
  ctx: RequestContext,
  id: string,
  customerId?: string,
): Promise<UnitRow> {
  const unit = await withTenant(deps.db, ctx.tenant.id, (trx) =>
    trx('generating_units')
      .where({ id })
      .modify((q) => void (customerId ? q.where({ customer_id: customerId }) : q))
      .first<UnitRow | undefined>(),
  )
  if (!unit) throw new NotFoundError('unit')
  return unit
}

export const isActiveOn = (unit: Pick<UnitRow, 'active_from' | 'active_to'>, day: string): boolean =>
  unit.active_from <= day && (!unit.active_to || day <= unit.active_to)
