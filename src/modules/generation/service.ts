import type { Knex } from 'knex'
import { withTenant } from '../../db/tenant-scope.ts'
import type { Deps } from '../../deps.ts'
import type { RequestContext } from '../../platform/context.ts'
import { ConflictError } from '../../platform/errors.ts'
import { deliveryDay, localMoment, type DeliveryDay } from '../../platform/time/intervals.ts'
import { applyTransition, statusHistory } from '../../platform/workflow/index.ts'
import { checkAvailability } from './availability.service.ts'
import { sameValues } from './grid.ts'
import { generationSettings, type GenerationSettings } from './settings.ts'
import { isActiveOn, type UnitRow } from './units.service.ts'
import { SCHEDULE_WORKFLOW } from './workflow.ts'
import { paginate } from '../../http/lists.ts'

export type GenerationDeps = Pick<Deps, 'db' | 'clock' | 'outbox' | 'i18n' | 'events'>

export interface ScheduleRow {
  id: string
  unit_id: string
  day: string
  status: string
  version: number
  draft: (number | null)[] | null
  draft_saved_at: Date | null
}

export interface VersionRow {
  id: string
  schedule_id: string
  version: number
  status: string
  resolution: number
  first_start: Date
  values: number[]
  total: number
  created_at: Date
  /** An operator's comments on single intervals of a rejected version, by 1-based position. */
  interval_comments: Record<string, string> | null
}

export const VERSION_COLUMNS = [
  'id',
  'schedule_id',
  'version',
  'status',
  'resolution',
  'first_start',
  'values',
  'total',
  'created_at',
  'interval_comments',
]

/** The delivery day as the tenant cuts it (zone, resolution). */
export const dayOfTenant = (ctx: RequestContext, day: string): DeliveryDay =>
  deliveryDay(day, ctx.tenant.settings.timeZone, generationSettings.of(ctx.tenant).resolution)

/** When a day's schedule closes for customers: "D-<gateDays> at <gateTime>" in the tenant's zone. */
export function gateOf(ctx: RequestContext, day: string): Date {
  const s: GenerationSettings = generationSettings.of(ctx.tenant)
  return localMoment(day, -s.gateDays, s.gateTime, ctx.tenant.settings.timeZone)
}

// ---- schedules -------------------------------------------------------------------------

export interface ScheduleView {
  schedule: ScheduleRow | undefined
  latest: VersionRow | undefined
  versions: VersionRow[]
}

export async function scheduleOf(
  deps: GenerationDeps,
  ctx: RequestContext,
  unitId: string,
  day: string,
): Promise<ScheduleView> {
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const schedule = await trx('schedules').where({ unit_id: unitId, day }).first<ScheduleRow | undefined>()
    const versions = schedule
      ? await trx('schedule_versions')
          .where({ schedule_id: schedule.id })
          .orderBy('version', 'desc')
          .select<VersionRow[]>(VERSION_COLUMNS)
      : []
    return { schedule, latest: versions[0], versions }
  })
}

/** Units' schedule rows of one day (status and newest version) in one query: the customer's day list. */
export function schedulesOfDay(
  deps: GenerationDeps,
  ctx: RequestContext,
  unitIds: readonly string[],
  day: string,
): Promise<ScheduleRow[]> {
  return withTenant(deps.db, ctx.tenant.id, (trx) =>
    trx('schedules').whereIn('unit_id', unitIds).where({ day }).select<ScheduleRow[]>(),
  )
}

/** The schedule row of a unit's day, created (as a draft) on first use and locked for this transaction. */
async function lockSchedule(
  trx: Knex.Transaction,
  ctx: RequestContext,
  unitId: string,
  day: string,
): Promise<ScheduleRow> {
  await trx('schedules')
    .insert({ tenant_id: ctx.tenant.id, unit_id: unitId, day, status: 'draft' })
    .onConflict(['tenant_id', 'unit_id', 'day'])
    .ignore()
  return trx('schedules').where({ unit_id: unitId, day }).forUpdate().first<ScheduleRow>()
}

/** A day takes new values only before its gate closes, and only while the unit is active. */
function requireOpen(deps: GenerationDeps, ctx: RequestContext, unit: UnitRow, day: string): void {
  if (deps.clock.now() >= gateOf(ctx, day)) throw new ConflictError('gate closed')
  if (!isActiveOn(unit, day)) throw new ConflictError('unit not active')
}

/** A customer's half-done day, kept as a draft (empty intervals allowed). */
export async function saveDraft(
  deps: GenerationDeps,
  ctx: RequestContext,
  unit: UnitRow,
  day: string,
  values: (number | null)[],
): Promise<void> {
  await withTenant(deps.db, ctx.tenant.id, (trx) => saveDraftIn(trx, deps, ctx, unit, day, values))
}

/**
 * `saveDraft` inside the caller's transaction (an import saves all its days or none).
 * With `base`, the day must still be at the version the caller saw.
 */
export async function saveDraftIn(
  trx: Knex.Transaction,
  deps: GenerationDeps,
  ctx: RequestContext,
  unit: UnitRow,
  day: string,
  values: (number | null)[],
  base?: number,
): Promise<void> {
  requireOpen(deps, ctx, unit, day)
  const schedule = await lockSchedule(trx, ctx, unit.id, day)
  if (base !== undefined && schedule.version !== base)
    throw new ConflictError(`schedule is at version ${schedule.version}`)
  await trx('schedules')
    .where({ id: schedule.id })
    .update({ draft: values, draft_saved_at: deps.clock.now(), updated_at: deps.clock.now() })
}

/**
 * The customer approves a day ("zatwierdzenie"): a new version, submitted to the
 * operator; the version before it is superseded. `base` is the version the customer's
 * form showed: a newer one means the form is stale. An unchanged day makes nothing.
 */
export async function approveSchedule(
  deps: GenerationDeps,
  ctx: RequestContext,
  unit: UnitRow,
  day: string,
  values: number[],
  base: number,
): Promise<{ version: number; changed: boolean }> {
  return withTenant(deps.db, ctx.tenant.id, (trx) => approveIn(trx, deps, ctx, unit, day, values, base))
}

/** `approveSchedule` inside the caller's transaction (an import saves all its days or none). */
export async function approveIn(
  trx: Knex.Transaction,
  deps: GenerationDeps,
  ctx: RequestContext,
  unit: UnitRow,
  day: string,
  values: number[],
  base: number,
): Promise<{ version: number; changed: boolean }> {
  requireOpen(deps, ctx, unit, day)
  const settings = generationSettings.of(ctx.tenant)
  const delivery = dayOfTenant(ctx, day)
  if (values.length !== delivery.intervals.length) throw new ConflictError('interval count changed')
  // Never above what the unit declared it can give (planned or forced unavailability).
  await checkAvailability(trx, unit.id, delivery.intervals, values)
  const schedule = await lockSchedule(trx, ctx, unit.id, day)
  if (schedule.version !== base) throw new ConflictError(`schedule is at version ${schedule.version}`)
  const latest = schedule.version
    ? await trx('schedule_versions')
        .where({ schedule_id: schedule.id, version: schedule.version })
        .first<VersionRow>(VERSION_COLUMNS)
    : undefined
  if (latest && latest.status !== 'rejected' && sameValues(latest.values, values, settings)) {
    await trx('schedules').where({ id: schedule.id }).update({ draft: null, draft_saved_at: null })
    return { version: latest.version, changed: false }
  }
  const subject = (id: string) => ({ table: 'schedule_versions', type: 'schedule-version', id })
  if (latest)
    await applyTransition(trx, ctx, SCHEDULE_WORKFLOW, subject(latest.id), {
      to: 'superseded',
      expected: latest.status,
      role: 'customer',
    })
  const version = schedule.version + 1
  const [created] = await trx('schedule_versions')
    .insert({
      tenant_id: ctx.tenant.id,
      schedule_id: schedule.id,
      version,
      status: 'draft',
      resolution: settings.resolution,
      first_start: delivery.start,
      values,
      // Summed by the database from the exact values, not in floating point here.
      total: trx.raw('(SELECT coalesce(sum(x), 0) FROM unnest(?::numeric[]) AS x)', [values]),
      created_by: ctx.actor.type === 'customer' ? ctx.actor.id : null,
    })
    .returning<{ id: string }[]>('id')
  await applyTransition(trx, ctx, SCHEDULE_WORKFLOW, subject(created!.id), {
    to: 'submitted',
    expected: 'draft',
    role: 'customer',
  })
  await trx('schedules').where({ id: schedule.id }).update({
    status: 'submitted',
    version,
    draft: null,
    draft_saved_at: null,
    updated_at: deps.clock.now(),
  })
  return { version, changed: true }
}

/** Who did what to a schedule's versions, oldest first (the version page's history). */
export async function versionHistory(
  deps: GenerationDeps,
  ctx: RequestContext,
  versions: readonly VersionRow[],
) {
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const out = new Map<string, Awaited<ReturnType<typeof statusHistory>>>()
    for (const v of versions) out.set(v.id, await statusHistory(trx, { type: 'schedule-version', id: v.id }))
    return out
  })
}

/** A page of a unit's history: its days' versions, newest day first, 50 at a time. */
export function unitHistory(deps: GenerationDeps, ctx: RequestContext, unitId: string, page: number) {
  return withTenant(deps.db, ctx.tenant.id, (trx) =>
    paginate<{
      day: string
      version: number
      status: string
      total: number
      resolution: number
      created_at: Date
    }>(
      trx('schedule_versions as v')
        .join('schedules as s', function () {
          this.on('s.id', 'v.schedule_id').andOn('s.tenant_id', 'v.tenant_id')
        })
        .where('s.unit_id', unitId)
        .orderBy([
          { column: 's.day', order: 'desc' },
          { column: 'v.version', order: 'desc' },
        ])
        .select('s.day', 'v.version', 'v.status', 'v.total', 'v.resolution', 'v.created_at'),
      page,
    ),
  )
}
