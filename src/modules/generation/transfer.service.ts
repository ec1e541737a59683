import { readFile } from 'node:fs/promises'
import { withTenant } from '../../db/tenant-scope.ts'
import type { RequestContext } from '../../platform/context.ts'
import { ConflictError, NotFoundError } from '../../platform/errors.ts'
import { ZipLimitError } from '../../platform/files/zip.ts'
import { isUuid } from '../../platform/ids.ts'
import { deliveryDay, type Resolution } from '../../platform/time/intervals.ts'
import { aboveAvailability, declarationsIn, limitsOf } from './availability.service.ts'
import { sameValues } from './grid.ts'
import { approveIn, dayOfTenant, gateOf, saveDraftIn, type GenerationDeps } from './service.ts'
import { isActiveOn, unitsOf, type UnitRow } from './units.service.ts'
import { generationSettings } from './settings.ts'
import {
  daysBetween,
  exportValue,
  intervalLabel,
  MAX_WORKBOOK_BYTES,
  readSchedules,
  readTable,
  type ExportSheet,
  type ImportResult,
} from './transfer.ts'

/**
 * Import previews (whole files' rows) are kept a week: long enough to confirm one, or to
 * look at what was saved; the versions themselves are the record.
 */
export const IMPORT_SWEEP = {
  queue: 'generation.forget-imports',
  cron: '23 * * * *',
  table: 'schedule_imports',
  column: 'created_at',
  keepMs: 7 * 86_400_000,
}

/** The newest values of each (unit, day): the newest version, or the draft where it is newer. */
async function currentValues(
  deps: GenerationDeps,
  ctx: RequestContext,
  unitIds: readonly string[],
  days: readonly string[],
): Promise<Map<string, { values: (number | null)[]; version: number }>> {
  const rows = await withTenant(deps.db, ctx.tenant.id, (trx) =>
    trx('schedules as s')
      .leftJoin('schedule_versions as v', function () {
        this.on('v.schedule_id', 's.id').andOn('v.tenant_id', 's.tenant_id').andOn('v.version', 's.version')
      })
      .whereIn('s.unit_id', unitIds)
      .whereIn('s.day', days)
      .select<
        {
          unit_id: string
          day: string
          draft: (number | null)[] | null
          values: number[] | null
          version: number
        }[]
      >('s.unit_id', 's.day', 's.draft', 'v.values', 's.version'),
  )
  return new Map(
    rows.map((r) => [`${r.unit_id}|${r.day}`, { values: r.draft ?? r.values ?? [], version: r.version }]),
  )
}

/**
 * Days of the file above what their unit declared it can give: each a problem naming its
 * first such interval (one query for every unit and day of the file).
 */
async function availabilityProblems(deps: GenerationDeps, ctx: RequestContext, result: ImportResult) {
  if (!result.days.length) return
  const days = result.days.map((d) => dayOfTenant(ctx, d.day))
  const from = new Date(Math.min(...days.map((d) => d.start.getTime())))
  const to = new Date(Math.max(...days.map((d) => d.end.getTime())))
  const unitIds = [...new Set(result.days.map((d) => d.unitId))]
  const declarations = await withTenant(deps.db, ctx.tenant.id, (trx) =>
    declarationsIn(trx, unitIds, from, to),
  )
  result.days.forEach((d, i) => {
    const delivery = days[i]!
    const above = aboveAvailability(
      d.values,
      limitsOf(
        declarations.filter((x) => x.unit_id === d.unitId),
        delivery.intervals,
      ),
    )
    if (above.length)
      result.problems.push({
        line: 0,
        key: 'generation.import.errors.unavailable',
        params: {
          day: d.day,
          unit: d.unitCode,
          count: above.length,
          interval: intervalLabel(d.day, delivery.intervals[above[0]!.position - 1]!),
        },
      })
  })
}

/**
 * An uploaded file read and checked, nothing saved yet: the preview (which days of which
 * units, how many intervals change) is kept for the customer to confirm.
 */
export async function previewImport(
  deps: GenerationDeps,
  ctx: RequestContext,
  customerId: string,
  file: { path: string; originalName: string; kind: 'csv' | 'xlsx' },
): Promise<string> {
  const units = await unitsOf(deps, ctx, customerId)
  const settings = generationSettings.of(ctx.tenant)
  let result: ImportResult
  try {
    // The upload route caps the file at 2 MB, so it may be read whole.
    result = readSchedules(await readTable(await readFile(file.path), file.kind), units, settings, (day) =>
      dayOfTenant(ctx, day),
    )
  } catch (err) {
    const key =
      err instanceof ZipLimitError
        ? 'generation.import.errors.unpacked'
        : 'generation.import.errors.unreadable'
    result = { days: [], problems: [{ line: 0, key, params: { size: MAX_WORKBOOK_BYTES / 1024 / 1024 } }] }
  }
  const now = deps.clock.now()
  for (const d of result.days) {
    const unit = units.find((u) => u.id === d.unitId)!
    if (now >= gateOf(ctx, d.day))
      result.problems.push({
        line: 0,
        key: 'generation.import.errors.closed',
        params: { day: d.day, unit: d.unitCode },
      })
    else if (!isActiveOn(unit, d.day))
      result.problems.push({
        line: 0,
        key: 'generation.import.errors.inactive',
        params: { day: d.day, unit: d.unitCode },
      })
  }
  await availabilityProblems(deps, ctx, result)
  const current = await currentValues(
    deps,
    ctx,
    result.days.map((d) => d.unitId),
    result.days.map((d) => d.day),
  )
  for (const d of result.days) {
    const now = current.get(`${d.unitId}|${d.day}`)
    const before = now?.values ?? []
    d.changed = d.values.filter((v, i) => !sameValues([v], [before[i] ?? null], settings)).length
    d.base = now?.version ?? 0
  }
  const [row] = await withTenant(deps.db, ctx.tenant.id, (trx) =>
    trx('schedule_imports')
      .insert({
        tenant_id: ctx.tenant.id,
        customer_id: customerId,
        file_name: file.originalName,
        rows: JSON.stringify(result),
      })
      .returning<{ id: string }[]>('id'),
  )
  return row!.id
}

export async function importOf(deps: GenerationDeps, ctx: RequestContext, customerId: string, id: string) {
  if (!isUuid(id)) throw new NotFoundError('import')
  const row = await withTenant(deps.db, ctx.tenant.id, (trx) =>
    trx('schedule_imports')
      .where({ id, customer_id: customerId })
      .first<{ id: string; file_name: string; rows: ImportResult; applied_at: Date | null } | undefined>(),
  )
  if (!row) throw new NotFoundError('import')
  return row
}

/**
 * The confirmed preview, saved in one transaction: each day as a draft, or approved as a
 * new version, all of them or none. A day whose version moved since the preview (another
 * approval, an operator's decision), a gate that closed meanwhile or a unit no longer
 * active refuses the whole import (409), and the customer uploads again for a fresh
 * preview. A preview with problems, or one already applied, is refused whole too.
 */
export async function applyImport(
  deps: GenerationDeps,
  ctx: RequestContext,
  customerId: string,
  id: string,
  mode: 'draft' | 'approve',
): Promise<number> {
  const preview = await importOf(deps, ctx, customerId, id)
  if (preview.applied_at || preview.rows.problems.length) throw new ConflictError('import not applicable')
  const units = new Map((await unitsOf(deps, ctx, customerId)).map((u) => [u.id, u]))
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const claimed = await trx('schedule_imports')
      .where({ id })
      .whereNull('applied_at')
      .update({ applied_at: deps.clock.now() })
    if (!claimed) throw new ConflictError('import already applied')
    for (const day of preview.rows.days) {
      const unit = units.get(day.unitId)
      if (!unit) throw new ConflictError('unit no longer the customer’s')
      // A preview made before bases were kept cannot be checked: it is stale.
      const base = day.base ?? -1
      if (mode === 'draft') await saveDraftIn(trx, deps, ctx, unit, day.day, day.values, base)
      else await approveIn(trx, deps, ctx, unit, day.day, day.values, base)
    }
    return preview.rows.days.length
  })
}

/**
 * Units' newest versions for a range of days, one column per unit, one row per interval.
 * Each version is written in the resolution it was saved in, never relabelled: a day whose
 * versions are all at 15 minutes has quarter-hour rows even while the tenant is on 60, and
 * a day with versions at both gets a block of rows for each (each unit's values in the
 * block of its own resolution). The sheet lists the resolutions it holds.
 */
export async function exportSheet(
  deps: GenerationDeps,
  ctx: RequestContext,
  units: readonly UnitRow[],
  from: string,
  to: string,
): Promise<ExportSheet> {
  const settings = generationSettings.of(ctx.tenant)
  const days = daysBetween(from, to)
  const rows = await withTenant(deps.db, ctx.tenant.id, (trx) =>
    trx('schedules as s')
      .join('schedule_versions as v', function () {
        this.on('v.schedule_id', 's.id').andOn('v.tenant_id', 's.tenant_id').andOn('v.version', 's.version')
      })
      .whereIn(
        's.unit_id',
        units.map((u) => u.id),
      )
      .whereIn('s.day', days)
      .select<{ unit_id: string; day: string; values: number[]; resolution: Resolution }[]>(
        's.unit_id',
        's.day',
        'v.values',
        'v.resolution',
      ),
  )
  const versions = new Map(rows.map((r) => [`${r.unit_id}|${r.day}`, r]))
  const sheetRows: ExportSheet['rows'] = []
  const used = new Set<Resolution>()
  for (const day of days) {
    const ofDay = rows.filter((r) => r.day === day).map((r) => r.resolution)
    const resolutions = ofDay.length ? [...new Set(ofDay)].sort((a, b) => a - b) : [settings.resolution]
    for (const resolution of resolutions) {
      used.add(resolution)
      deliveryDay(day, ctx.tenant.settings.timeZone, resolution).intervals.forEach((interval, i) => {
        sheetRows.push({
          label: intervalLabel(day, interval),
          values: units.map((u) => {
            const version = versions.get(`${u.id}|${day}`)
            return version && version.resolution === resolution
              ? exportValue(version.values[i] ?? null, settings)
              : null
          }),
        })
      })
    }
  }
  return {
    header: ['start', ...units.map((u) => u.code)],
    rows: sheetRows,
    resolutions: [...used].sort((a, b) => a - b),
  }
}
