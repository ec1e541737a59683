import type { Knex } from 'knex'
import type { Deps } from '../../deps.ts'
import { containing } from '../../db/knex.ts'
import { withTenant } from '../../db/tenant-scope.ts'
import { paginate, type Page } from '../../http/lists.ts'
import { audit } from '../../platform/audit.ts'
import type { RequestContext } from '../../platform/context.ts'
import { InvalidFieldError, NotFoundError } from '../../platform/errors.ts'
import { customerContact, customerEmails, findCustomerByEmail } from '../accounts/index.ts'
import type { MeterFacts } from './rules.ts'
import type { Tariff } from './settings.ts'

export type ReadingsDeps = Pick<Deps, 'db' | 'clock' | 'outbox' | 'i18n' | 'files' | 'events'>

export interface MeterRow {
  id: string
  customer_id: string
  number: string
  tariff: string
  zones: string[]
  digits: number
  decimals: number
  multiplier: string
  object: string
  installed_on: string
  removed_on: string | null
  amr_code: string | null
  replaces_id: string | null
  created_at: Date
}

export interface MeterInput {
  customerEmail: string
  number: string
  tariff: Tariff
  digits: number
  decimals: number
  multiplier: string
  object: string
  installedOn: string
  removedOn: string | null
  amrCode: string | null
  /** The meter this one replaces (a meter exchange): it is closed the day before. */
  replacesNumber: string | null
}

export const meterFacts = (m: MeterRow): MeterFacts => ({
  zones: m.zones,
  digits: m.digits,
  decimals: m.decimals,
  multiplier: m.multiplier,
  installedOn: m.installed_on,
  removedOn: m.removed_on,
  onAmr: m.amr_code !== null,
})

/**
 * Adds or changes a meter (staff only). A meter's tariff, zones and register are fixed
 * once it has readings: they are what the readings were taken with, so a change would
 * reinterpret history; an exchange is a new meter that names the one it replaces.
 */
export function saveMeter(
  deps: ReadingsDeps,
  ctx: RequestContext,
  id: string | null,
  input: MeterInput,
): Promise<string> {
  return withTenant(deps.db, ctx.tenant.id, (trx) => writeMeter(trx, ctx, id, input))
}

/** saveMeter's work inside the caller's transaction (a confirmed request creates its meter with it). */
export async function writeMeter(
  trx: Knex.Transaction,
  ctx: RequestContext,
  id: string | null,
  input: MeterInput,
): Promise<string> {
  const customer = await findCustomerByEmail(trx, input.customerEmail)
  if (!customer) throw new InvalidFieldError('customerEmail', 'readings.meters.errors.customer')
  const taken = await trx('meters')
    .where({ number: input.number })
    .modify((q) => void (id ? q.whereNot({ id }) : q))
    .first<{ id: string } | undefined>('id')
  if (taken) throw new InvalidFieldError('number', 'readings.meters.errors.numberTaken')
  let replaces: MeterRow | undefined
  if (input.replacesNumber) {
    replaces = await trx('meters').where({ number: input.replacesNumber }).forUpdate().first<MeterRow>()
    if (!replaces || replaces.id === id || replaces.customer_id !== customer.id)
      throw new InvalidFieldError('replaces', 'readings.meters.errors.replaces')
    if (replaces.installed_on >= input.installedOn)
      throw new InvalidFieldError('installedOn', 'readings.meters.errors.replacesInstalled')
  }
  const columns = {
    customer_id: customer.id,
    number: input.number,
    object: input.object,
    installed_on: input.installedOn,
    removed_on: input.removedOn,
    amr_code: input.amrCode,
    replaces_id: replaces?.id ?? null,
  }
  const register = {
    tariff: input.tariff.code,
    zones: input.tariff.zones,
    digits: input.digits,
    decimals: input.decimals,
    multiplier: input.multiplier,
  }
  let meterId: string
  if (id) {
    const current = await trx('meters').where({ id }).forUpdate().first<MeterRow | undefined>()
    if (!current) throw new NotFoundError('meter')
    const read = await trx('meter_readings').where({ meter_id: id }).first<{ id: string } | undefined>('id')
    const changed =
      current.tariff !== register.tariff ||
      current.zones.join() !== register.zones.join() ||
      current.digits !== register.digits ||
      current.decimals !== register.decimals ||
      Number(current.multiplier) !== Number(register.multiplier)
    if (read && changed) throw new InvalidFieldError('tariff', 'readings.meters.errors.registerFixed')
    const first = await trx('meter_readings')
      .where({ meter_id: id })
      .min<{ min: string | null }>('read_on as min')
      .first()
    if (first?.min && first.min < input.installedOn)
      throw new InvalidFieldError('installedOn', 'readings.meters.errors.readingsBefore')
    await trx('meters')
      .where({ id })
      .update({ ...columns, ...register })
    meterId = id
  } else {
    const [row] = await trx('meters')
      .insert({ tenant_id: ctx.tenant.id, ...columns, ...register })
      .returning<{ id: string }[]>('id')
    meterId = row!.id
  }
  if (replaces && (!replaces.removed_on || replaces.removed_on >= input.installedOn)) {
    const last = await trx('meter_readings')
      .where({ meter_id: replaces.id })
      .max<{ max: string | null }>('read_on as max')
      .first()
    if (last?.max && last.max >= input.installedOn)
      throw new InvalidFieldError('installedOn', 'readings.meters.errors.replacesRead')
    await trx('meters')
      .where({ id: replaces.id })
      .update({ removed_on: trx.raw(`?::date - 1`, [input.installedOn]) })
  }
  await audit(trx, ctx, {
    action: id ? 'readings.meter-updated' : 'readings.meter-created',
    targetType: 'meter',
    targetId: meterId,
    details: { number: input.number, tariff: input.tariff.code, replaces: input.replacesNumber },
  })
  return meterId
}

export async function meterOf(deps: ReadingsDeps, ctx: RequestContext, id: string): Promise<MeterRow> {
  const meter = await withTenant(deps.db, ctx.tenant.id, (trx) =>
    trx('meters').where({ id }).first<MeterRow | undefined>(),
  )
  if (!meter) throw new NotFoundError('meter')
  return meter
}

/** A customer's meter, or 404 for anyone else's (the same answer as for none). */
export async function customerMeter(
  deps: ReadingsDeps,
  ctx: RequestContext,
  customerId: string,
  id: string,
): Promise<MeterRow> {
  const meter = await withTenant(deps.db, ctx.tenant.id, (trx) =>
    trx('meters').where({ id, customer_id: customerId }).first<MeterRow | undefined>(),
  )
  if (!meter) throw new NotFoundError('meter')
  return meter
}

export function metersOf(deps: ReadingsDeps, ctx: RequestContext, customerId: string): Promise<MeterRow[]> {
  // A customer has a handful of meters; the cap keeps a page bounded whatever the data.
  return withTenant(deps.db, ctx.tenant.id, (trx) =>
    trx('meters')
      .where({ customer_id: customerId })
      .orderByRaw('removed_on IS NOT NULL, number')
      .limit(200)
      .select<MeterRow[]>('*'),
  )
}

/** Staff's list: a page of meters by number, `q` finding a number or object; with owners' addresses. */
export function meterList(
  deps: ReadingsDeps,
  ctx: RequestContext,
  query: { page: number; q: string },
): Promise<Page<MeterRow & { owner_email: string }>> {
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const page = await paginate<MeterRow>(
      trx('meters')
        .modify((q) => {
          if (query.q)
            void q.where((w) => {
              void w.whereILike('number', containing(query.q)).orWhereILike('object', containing(query.q))
            })
        })
        .orderBy('number')
        .select('*'),
      query.page,
    )
    const emails = await customerEmails(
      trx,
      page.rows.map((m) => m.customer_id),
    )
    return { ...page, rows: page.rows.map((m) => ({ ...m, owner_email: emails.get(m.customer_id) ?? '' })) }
  })
}

export async function meterOwnerEmail(
  deps: ReadingsDeps,
  ctx: RequestContext,
  meter: MeterRow,
): Promise<string> {
  return withTenant(
    deps.db,
    ctx.tenant.id,
    async (trx) => (await customerContact(trx, meter.customer_id))?.email ?? '',
  )
}

/** The meter a meter replaced, by id: its number, for the history that spans both. */
export async function replacedMeter(trx: Knex.Transaction, meter: MeterRow): Promise<MeterRow | undefined> {
  return meter.replaces_id ? trx('meters').where({ id: meter.replaces_id }).first<MeterRow>() : undefined
}
