import type { Response } from 'express'
import type { FieldError } from '../../http/forms.ts'
import { stepChart } from '../../platform/chart.ts'
import { intlLocale } from '../../platform/format.ts'
import { addDays, deliveryDay, type Resolution } from '../../platform/time/intervals.ts'
import { inputValue, unitFactor, type GridError } from './grid.ts'
import { dayOfTenant, gateOf, type ScheduleView, type VersionRow } from './service.ts'
import { isActiveOn, type UnitRow } from './units.service.ts'
import { generationSettings } from './settings.ts'

const decimalMarks = new Map<string, string>()
/** The reader's decimal mark ("," in pl/ru), for values shown in inputs. */
export function decimalMark(locale: string): string {
  let mark = decimalMarks.get(locale)
  if (!mark) {
    mark = new Intl.NumberFormat(locale).format(1.5).charAt(1)
    decimalMarks.set(locale, mark)
  }
  return mark
}

/** An interval as people read it: "02:00 A–02:15". */
export const intervalName = (
  interval: { local: string; repeat: 'A' | 'B' | null; end: Date },
  endLocal: string,
) => `${interval.local}${interval.repeat ? ` ${interval.repeat}` : ''}–${endLocal}`

/**
 * A version's intervals as people read them ("02:00 A–02:15"), in the version's own
 * market time unit (a day kept at 15 minutes stays at 15 after the tenant moves to 60).
 */
export function versionIntervals(zone: string, day: string, resolution: number) {
  const delivery = deliveryDay(day, zone, resolution as Resolution)
  return delivery.intervals.map((interval, i) => ({
    position: interval.position,
    label: intervalName(interval, delivery.intervals[i + 1]?.local ?? '24:00'),
  }))
}

/** Values of another day laid onto this one by local time, so a 23- or 25-hour day copies what it can. */
export function copyByLocalTime(
  from: { labels: string[]; values: readonly (number | null)[] },
  to: string[],
): (number | null)[] {
  const byLabel = new Map(from.labels.map((l, i) => [l, from.values[i] ?? null]))
  return to.map((l) => byLabel.get(l) ?? byLabel.get(l.replace(/ [AB]$/, '')) ?? null)
}

/** Where a copy comes from: the day before, or the same weekday a week before. */
export const copySource = (day: string, copy: unknown): string | undefined =>
  copy === 'previous' ? addDays(day, -1) : copy === 'week' ? addDays(day, -7) : undefined

/**
 * A day of sub-hour intervals as hours × parts of the hour, so 96 quarter-hours read as 24
 * rows, not seven screens: 23 rows on the spring DST day, 25 on the autumn one (its 02:00
 * hour twice, A and B). Each cell is one interval's item, in the day's order.
 */
export function byHour<T>(
  intervals: readonly { local: string; repeat: 'A' | 'B' | null }[],
  items: readonly T[],
  resolution: number,
): { hour: string; cells: (T | null)[] }[] {
  const rows: { hour: string; cells: (T | null)[] }[] = []
  intervals.forEach((interval, i) => {
    const hour = `${interval.local.slice(0, 2)}:00${interval.repeat ? ` ${interval.repeat}` : ''}`
    let row = rows.at(-1)
    if (row?.hour !== hour) {
      row = { hour, cells: Array.from({ length: 60 / resolution }, () => null) }
      rows.push(row)
    }
    row.cells[Number(interval.local.slice(3, 5)) / resolution] = items[i] ?? null
  })
  return rows
}

/** What the grid page shows for a unit's day: inputs, the gate, versions, a chart and the total. */
export function editorLocals(
  res: Response,
  now: Date,
  unit: UnitRow,
  day: string,
  view: ScheduleView,
  shown: { values?: (number | null)[]; typed?: Record<string, unknown> } = {},
) {
  const ctx = res.locals.ctx
  const settings = generationSettings.of(ctx.tenant)
  const delivery = dayOfTenant(ctx, day)
  const locale = intlLocale(res.locals.locale)
  const mark = decimalMark(locale)
  const values =
    // Values kept for another market time unit (before the tenant changed it) do not fit this grid.
    [shown.values, view.schedule?.draft, view.latest?.values].find(
      (v) => v?.length === delivery.intervals.length,
    ) ?? delivery.intervals.map(() => null)
  const inputs = delivery.intervals.map((interval, i) => ({
    position: interval.position,
    id: `v${interval.position}`,
    // An interval ends where the next begins (wall-clock); the day's last ends at midnight.
    label: intervalName(interval, delivery.intervals[i + 1]?.local ?? '24:00'),
    value:
      shown.typed && typeof shown.typed[`v${interval.position}`] === 'string'
        ? (shown.typed[`v${interval.position}`] as string)
        : inputValue(values[i] ?? null, settings, mark),
  }))
  const gate = gateOf(ctx, day)
  const display = values.map((v) => (v === null || v === undefined ? null : v / unitFactor(settings)))
  return {
    unit,
    day,
    settings,
    delivery,
    inputs,
    // Hours × quarter-hours (or half-hours); an hourly day stays one column.
    hours: settings.resolution < 60 ? byHour(delivery.intervals, inputs, settings.resolution) : undefined,
    minutes: Array.from(
      { length: 60 / settings.resolution },
      (_, i) => `:${String(i * settings.resolution).padStart(2, '0')}`,
    ),
    gate,
    closed: now >= gate,
    active: isActiveOn(unit, day),
    minutesLeft: Math.max(0, Math.floor((gate.getTime() - now.getTime()) / 60_000)),
    schedule: view.schedule,
    latest: view.latest,
    // The operator's comments on single intervals of the rejected newest version, linked
    // to their inputs when the grid has the version's market time unit.
    intervalComments: intervalComments(ctx.tenant.settings.timeZone, day, view.latest, settings.resolution),
    versions: view.versions,
    base: view.schedule?.version ?? 0,
    capacity: Number(unit.capacity_kw) / unitFactor(settings),
    charging: unit.charging_kw === null ? null : Number(unit.charging_kw) / unitFactor(settings),
    total: display.reduce<number>((a, b) => a + (b ?? 0), 0) * (settings.resolution / 60),
    chart: stepChart(
      display,
      delivery.intervals.map((iv) => iv.local),
      {
        format: (n) => res.locals.fmt.number(n),
        labelEvery: 180 / settings.resolution,
        max: Number(unit.capacity_kw) / unitFactor(settings),
        min: -Number(unit.charging_kw ?? 0) / unitFactor(settings),
      },
    ),
    chartTitle: res.locals.t('generation.day.chartTitle', { unit: settings.unit, code: unit.code }),
    previousDay: addDays(day, -1),
    nextDay: addDays(day, 1),
  }
}

/** A version's comments on single intervals, in the day's order, each with its interval's name. */
export function labelledComments(
  zone: string,
  day: string,
  version: Pick<VersionRow, 'resolution' | 'interval_comments'>,
): { position: number; label: string; text: string }[] {
  if (!version.interval_comments) return []
  const labels = versionIntervals(zone, day, version.resolution)
  return Object.entries(version.interval_comments)
    .map(([position, text]) => ({ position: Number(position), text }))
    .sort((a, b) => a.position - b.position)
    .map(({ position, text }) => ({ position, label: labels[position - 1]?.label ?? String(position), text }))
}

function intervalComments(zone: string, day: string, latest: VersionRow | undefined, resolution: number) {
  if (latest?.status !== 'rejected') return []
  return labelledComments(zone, day, latest).map((c) => ({
    ...c,
    href: latest.resolution === resolution ? `#v${c.position}` : null,
  }))
}

/** Grid errors as the page's error list: each names and links its interval. */
export function gridErrors(
  res: Response,
  errors: readonly GridError[],
  inputs: readonly { position: number; label: string }[],
): FieldError[] {
  return errors.map((e) => ({
    field: `v${e.position}`,
    text: res.locals.t(e.key, { ...e.params, interval: inputs[e.position - 1]?.label ?? String(e.position) }),
    href: `#v${e.position}`,
  }))
}
