import type { Knex } from 'knex'
import type { Temporal } from 'temporal-polyfill'
import { withTenant } from '../../db/tenant-scope.ts'
import { audit } from '../../platform/audit.ts'
import {
  isBusinessDay,
  isShortDay,
  workingCalendar,
  type CalendarYear,
  type Country,
  type WorkingCalendar,
} from '../../platform/calendar/index.ts'
import type { Clock } from '../../platform/clock.ts'
import type { RequestContext } from '../../platform/context.ts'
import { InvalidFieldError } from '../../platform/errors.ts'
import { parseDay } from '../../platform/time/intervals.ts'
import { calendarSettings } from './settings.ts'

export interface CalendarDeps {
  db: Knex
  clock: Clock
}

export const DAY_KINDS = ['off', 'working', 'short', 'normal'] as const
export type DayKind = (typeof DAY_KINDS)[number]

interface YearRow {
  year: number
  days_off: string[]
  working_days: string[]
  short_days: string[]
  updated_at: Date
}

const toYear = (r: YearRow): CalendarYear => ({
  year: r.year,
  daysOff: r.days_off,
  workingDays: r.working_days,
  shortDays: r.short_days,
})

/** The tenant's calendar: its country's official years, with the tenant's own years over them. */
export async function tenantCalendar(
  deps: Pick<CalendarDeps, 'db'>,
  ctx: RequestContext,
): Promise<WorkingCalendar> {
  const rows = await withTenant(deps.db, ctx.tenant.id, (trx) =>
    trx('working_calendar_years').select<YearRow[]>(
      'year',
      'days_off',
      'working_days',
      'short_days',
      'updated_at',
    ),
  )
  return workingCalendar(calendarSettings.of(ctx.tenant).country, rows.map(toYear))
}

const NOTICE_LANGUAGE: Record<Country, string> = { PL: 'pl', RU: 'ru', CN: 'zh-CN' }

/** The published notice an official year comes from, in the language it was published in. */
export function officialNotice(
  ctx: RequestContext,
  year: number,
): { text: string; lang: string } | undefined {
  const country = calendarSettings.of(ctx.tenant).country
  const text = workingCalendar(country).years.get(year)?.source
  return text ? { text, lang: NOTICE_LANGUAGE[country] } : undefined
}

/** Where a year's days come from: the tenant's own list, the official one, or the weekend-and-fixed-holiday guess. */
export async function yearSource(
  deps: Pick<CalendarDeps, 'db'>,
  ctx: RequestContext,
  year: number,
): Promise<'own' | 'official' | 'guess'> {
  const own = await withTenant(deps.db, ctx.tenant.id, (trx) =>
    trx('working_calendar_years').where({ year }).first<{ year: number } | undefined>('year'),
  )
  if (own) return 'own'
  return workingCalendar(calendarSettings.of(ctx.tenant).country).years.has(year) ? 'official' : 'guess'
}

export type GridKind = 'off' | 'weekend' | 'working' | 'short' | 'normal'

/** What a day is in a calendar: the one classification both the page and a change start from. */
function dayKind(calendar: WorkingCalendar, day: Temporal.PlainDate): GridKind {
  const iso = day.toString()
  const weekend = day.dayOfWeek >= 6
  if (!isBusinessDay(calendar, iso)) return weekend ? 'weekend' : 'off'
  if (weekend) return 'working'
  return isShortDay(calendar, iso) ? 'short' : 'normal'
}

/** Every day of a year as the calendar sees it, so a change starts from what is shown. */
function yearAsShown(calendar: WorkingCalendar, year: number): CalendarYear {
  const result: CalendarYear = { year, daysOff: [], workingDays: [], shortDays: [] }
  for (let day = parseDay(`${year}-01-01`); day.year === year; day = day.add({ days: 1 })) {
    const kind = dayKind(calendar, day)
    if (kind === 'off') result.daysOff.push(day.toString())
    if (kind === 'working') result.workingDays.push(day.toString())
    if (kind === 'short') result.shortDays.push(day.toString())
  }
  return result
}

async function saveYear(
  trx: Knex.Transaction,
  ctx: RequestContext,
  year: CalendarYear,
  now: Date,
): Promise<void> {
  await trx('working_calendar_years')
    .insert({
      tenant_id: ctx.tenant.id,
      year: year.year,
      days_off: year.daysOff,
      working_days: year.workingDays,
      short_days: year.shortDays,
      updated_at: now,
      updated_by: ctx.actor.id,
    })
    .onConflict(['tenant_id', 'year'])
    .merge()
}

/** One day changed by an administrator: the year becomes the tenant's own (confirmed) list. */
export async function setDay(
  deps: CalendarDeps,
  ctx: RequestContext,
  day: string,
  kind: DayKind,
): Promise<void> {
  const date = parseDay(day)
  const weekend = date.dayOfWeek >= 6
  if ((kind === 'off' && weekend) || (kind === 'working' && !weekend))
    throw new InvalidFieldError(
      'kind',
      kind === 'off' ? 'calendar.errors.offWeekend' : 'calendar.errors.workingWeekday',
    )
  const calendar = await tenantCalendar(deps, ctx)
  const year = yearAsShown(calendar, date.year)
  const without = (list: string[]) => list.filter((d) => d !== day)
  const next: CalendarYear = {
    year: date.year,
    daysOff: [...without(year.daysOff), ...(kind === 'off' ? [day] : [])].sort(),
    workingDays: [...without(year.workingDays), ...(kind === 'working' ? [day] : [])].sort(),
    shortDays: [...without(year.shortDays), ...(kind === 'short' ? [day] : [])].sort(),
  }
  await withTenant(deps.db, ctx.tenant.id, async (trx) => {
    await saveYear(trx, ctx, next, deps.clock.now())
    await audit(trx, ctx, {
      action: 'calendar.day-changed',
      targetType: 'calendar',
      details: { day, kind },
    })
  })
}

const LINE = /^(\d{4}-\d{2}-\d{2})\s+(off|working|short)$/

/**
 * A whole year's list pasted by an administrator (next year's official notice): one
 * "YYYY-MM-DD off|working|short" per line; any bad line refuses the whole list.
 */
export async function importYear(
  deps: CalendarDeps,
  ctx: RequestContext,
  year: number,
  text: string,
): Promise<number> {
  const next: CalendarYear = { year, daysOff: [], workingDays: [], shortDays: [] }
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
  if (!lines.length) throw new InvalidFieldError('list', 'calendar.errors.listEmpty')
  for (const line of lines) {
    const match = LINE.exec(line)
    let date
    try {
      date = match ? parseDay(match[1]!) : undefined
    } catch {
      date = undefined
    }
    const weekend = (date?.dayOfWeek ?? 0) >= 6
    if (
      !match ||
      !date ||
      date.year !== year ||
      (match[2] === 'off' && weekend) ||
      (match[2] === 'working' && !weekend)
    )
      throw new InvalidFieldError('list', 'calendar.errors.listLine')
    const list =
      match[2] === 'off' ? next.daysOff : match[2] === 'working' ? next.workingDays : next.shortDays
    if (!list.includes(match[1]!)) list.push(match[1]!)
  }
  await withTenant(deps.db, ctx.tenant.id, async (trx) => {
    await saveYear(trx, ctx, next, deps.clock.now())
    await audit(trx, ctx, {
      action: 'calendar.year-imported',
      targetType: 'calendar',
      details: { year, days: lines.length },
    })
  })
  return lines.length
}

export interface MonthGrid {
  name: string
  /** Monday-first weeks; null pads the days of other months. */
  weeks: ({ day: number; iso: string; kind: GridKind } | null)[][]
}

/** A year as twelve month tables, each day marked as the calendar sees it (what the page draws). */
export function yearGrid(calendar: WorkingCalendar, year: number, locale: string): MonthGrid[] {
  const monthName = new Intl.DateTimeFormat(locale, { month: 'long', timeZone: 'UTC' })
  const months: MonthGrid[] = []
  for (let month = 1; month <= 12; month++) {
    const first = parseDay(`${year}-${String(month).padStart(2, '0')}-01`)
    const cells: MonthGrid['weeks'][number] = Array<null>(first.dayOfWeek - 1).fill(null)
    for (let day = first; day.month === month; day = day.add({ days: 1 })) {
      cells.push({ day: day.day, iso: day.toString(), kind: dayKind(calendar, day) })
    }
    while (cells.length % 7) cells.push(null)
    const weeks: MonthGrid['weeks'] = []
    for (let i = 0; i < cells.length; i += 7) weeks.push(cells.slice(i, i + 7))
    months.push({ name: monthName.format(new Date(Date.UTC(year, month - 1, 1))), weeks })
  }
  return months
}

/** Monday to Sunday, short, in the reader's language. */
export function weekdayNames(locale: string): string[] {
  const format = new Intl.DateTimeFormat(locale, { weekday: 'short', timeZone: 'UTC' })
  // 2024-01-01 was a Monday.
  return Array.from({ length: 7 }, (_, i) => format.format(new Date(Date.UTC(2024, 0, 1 + i))))
}
