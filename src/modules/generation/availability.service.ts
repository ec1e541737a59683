import type { Knex } from 'knex'
import { withTenant } from '../../db/tenant-scope.ts'
import { audit } from '../../platform/audit.ts'
import type { RequestContext } from '../../platform/context.ts'
import { ConflictError, InvalidFieldError, NotFoundError } from '../../platform/errors.ts'
import type { DayInterval } from '../../platform/time/intervals.ts'
import type { GridError } from './grid.ts'
import type { GenerationDeps } from './service.ts'
import type { UnitRow } from './units.service.ts'

/** The longest reason a declaration may give. */
export const MAX_REASON = 500

export interface Declaration {
  id: string
  unit_id: string
  starts_at: Date
  ends_at: Date
  available_kw: string
  reason: string
  created_at: Date
  withdrawn_at: Date | null
}

const COLUMNS = ['id', 'unit_id', 'available_kw', 'reason', 'created_at', 'withdrawn_at'] as const

/** Declarations of units that touch [from, to), the withdrawn ones too when asked (history). */
export function declarationsIn(
  trx: Knex.Transaction,
  unitIds: string | readonly string[],
  from: Date,
  to: Date,
  withWithdrawn = false,
): Promise<Declaration[]> {
  return trx('unit_availability')
    .whereIn('unit_id', typeof unitIds === 'string' ? [unitIds] : unitIds)
    .whereRaw('period && tstzrange(?, ?)', [from, to])
    .modify((q) => void (withWithdrawn ? q : q.whereNull('withdrawn_at')))
    .orderByRaw('lower(period), created_at')
    .select<Declaration[]>([
      ...COLUMNS,
      trx.raw('lower(period) AS starts_at'),
      trx.raw('upper(period) AS ends_at'),
    ])
}

/** Each interval's limit: the lowest power a live declaration allows over any part of it. */
export function limitsOf(
  declarations: readonly Declaration[],
  intervals: readonly Pick<DayInterval, 'start' | 'end'>[],
): ({ kw: number; reason: string } | null)[] {
  return intervals.map((interval) => {
    let limit: { kw: number; reason: string } | null = null
    for (const d of declarations) {
      if (d.withdrawn_at || d.starts_at >= interval.end || d.ends_at <= interval.start) continue
      const kw = Number(d.available_kw)
      if (!limit || kw < limit.kw) limit = { kw, reason: d.reason }
    }
    return limit
  })
}

/** The intervals whose value is above what the unit declared it can give then. */
export function aboveAvailability(
  values: readonly (number | null)[],
  limits: readonly ({ kw: number; reason: string } | null)[],
): (GridError & { limitKw: number; reason: string })[] {
  const out: (GridError & { limitKw: number; reason: string })[] = []
  values.forEach((v, i) => {
    const limit = limits[i]
    if (limit && v !== null && v > limit.kw)
      out.push({
        position: i + 1,
        key: 'generation.errors.unavailable',
        limitKw: limit.kw,
        reason: limit.reason,
      })
  })
  return out
}

/** Approving a day above the unit's declared availability: each interval beside its input. */
export class AvailabilityError extends ConflictError {
  readonly intervals: ReturnType<typeof aboveAvailability>
  constructor(intervals: ReturnType<typeof aboveAvailability>) {
    super('above declared availability')
    this.intervals = intervals
  }
}

/** Throws AvailabilityError when `values` of the day exceed a live declaration (inside the caller's transaction). */
export async function checkAvailability(
  trx: Knex.Transaction,
  unitId: string,
  intervals: readonly DayInterval[],
  values: readonly (number | null)[],
): Promise<void> {
  if (!intervals.length) return
  const declarations = await declarationsIn(trx, unitId, intervals[0]!.start, intervals.at(-1)!.end)
  const above = aboveAvailability(values, limitsOf(declarations, intervals))
  if (above.length) throw new AvailabilityError(above)
}

/** A unit's declarations touching a day, withdrawn ones included (the day page's list). */
export function availabilityOf(
  deps: GenerationDeps,
  ctx: RequestContext,
  unitId: string,
  from: Date,
  to: Date,
) {
  return withTenant(deps.db, ctx.tenant.id, (trx) => declarationsIn(trx, unitId, from, to, true))
}

export interface DeclarationInput {
  from: Date
  to: Date
  availableKw: number
  reason: string
}

/**
 * The unit's customer declares that from `from` to `to` the unit can give at most
 * `availableKw` (0: not at all), and why. Not for a period already over; never above the
 * installed capacity (that is no limit); never overlapping a live declaration of the unit
 * (the database refuses it; said beside the start).
 */
export async function declareAvailability(
  deps: GenerationDeps,
  ctx: RequestContext,
  unit: UnitRow,
  input: DeclarationInput,
): Promise<string> {
  if (input.to <= input.from) throw new InvalidFieldError('to', 'generation.availability.errors.order')
  if (input.to <= deps.clock.now()) throw new InvalidFieldError('to', 'generation.availability.errors.past')
  if (input.availableKw >= Number(unit.capacity_kw))
    throw new InvalidFieldError('available', 'generation.availability.errors.capacity')
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const [row] = await trx('unit_availability')
      .insert({
        tenant_id: ctx.tenant.id,
        unit_id: unit.id,
        period: trx.raw('tstzrange(?, ?)', [input.from, input.to]),
        available_kw: input.availableKw,
        reason: input.reason,
        created_by: ctx.actor.type === 'customer' ? ctx.actor.id : null,
      })
      .returning<{ id: string }[]>('id')
      .catch((err: { code?: string }) => {
        // The exclusion constraint: another live declaration of the unit covers part of it.
        if (err.code === '23P01')
          throw new InvalidFieldError('from', 'generation.availability.errors.overlap')
        throw err
      })
    const id = row!.id
    await audit(trx, ctx, {
      action: 'availability.declared',
      targetType: 'unit-availability',
      targetId: id,
      details: { unit: unit.code, availableKw: input.availableKw },
    })
    return id
  })
}

/** The customer withdraws a declaration that has not ended: kept, marked withdrawn. */
export async function withdrawAvailability(
  deps: GenerationDeps,
  ctx: RequestContext,
  unit: UnitRow,
  id: string,
): Promise<void> {
  await withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const changed = await trx('unit_availability')
      .where({ id, unit_id: unit.id })
      .whereNull('withdrawn_at')
      .whereRaw('upper(period) > ?', [deps.clock.now()])
      .update({ withdrawn_at: deps.clock.now() })
    if (!changed) throw new NotFoundError('declaration')
    await audit(trx, ctx, { action: 'availability.withdrawn', targetType: 'unit-availability', targetId: id })
  })
}
