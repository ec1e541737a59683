import { Temporal } from 'temporal-polyfill'
import { parseDay } from '../time/intervals.ts'
import { OFFICIAL_CALENDARS } from './official.ts'

export type Country = 'PL' | 'RU' | 'CN'

/** One year of a working-day calendar: the exceptions to "Monday to Friday". */
export interface CalendarYear {
  year: number
  /** Weekdays that are not worked (holidays, days moved off). */
  daysOff: string[]
  /** Saturdays and Sundays that are worked (RU transfers, CN 调休). */
  workingDays: string[]
  /** Working days an hour shorter (RU pre-holiday days). */
  shortDays: string[]
  /** The published notice the year comes from (official years; a tenant's own may omit it). */
  source?: string
}

export interface WorkingCalendar {
  country: Country
  years: ReadonlyMap<number, CalendarYear>
}

/**
 * Holidays that fall on the same date every year, for years nobody has confirmed yet:
 * a guess that is right about most days and says so (`isConfirmed`). Movable feasts
 * (Easter, the lunar festivals) and transfers are only in confirmed years.
 */
const FIXED_HOLIDAYS: Record<Country, string[]> = {
  PL: ['01-01', '01-06', '05-01', '05-03', '08-15', '11-01', '11-11', '12-24', '12-25', '12-26'],
  RU: [
    '01-01',
    '01-02',
    '01-03',
    '01-04',
    '01-05',
    '01-06',
    '01-07',
    '01-08',
    '02-23',
    '03-08',
    '05-01',
    '05-09',
    '06-12',
    '11-04',
  ],
  CN: ['01-01', '05-01', '10-01', '10-02', '10-03'],
}

/** A tenant's calendar: the official years for its country, with the tenant's own years over them. */
export function workingCalendar(country: Country, own: readonly CalendarYear[] = []): WorkingCalendar {
  const years = new Map<number, CalendarYear>()
  for (const year of [...OFFICIAL_CALENDARS[country], ...own]) years.set(year.year, year)
  return { country, years }
}

/** Whether a year's days come from a confirmed list rather than the fixed-holiday guess. */
export function isConfirmed(calendar: WorkingCalendar, year: number): boolean {
  return calendar.years.has(year)
}

export function isBusinessDay(calendar: WorkingCalendar, day: string): boolean {
  const date = parseDay(day)
  const year = calendar.years.get(date.year)
  const weekend = date.dayOfWeek >= 6
  if (year) {
    if (year.workingDays.includes(day)) return true
    return !weekend && !year.daysOff.includes(day)
  }
  return !weekend && !FIXED_HOLIDAYS[calendar.country].includes(day.slice(5))
}

export function isShortDay(calendar: WorkingCalendar, day: string): boolean {
  return calendar.years.get(parseDay(day).year)?.shortDays.includes(day) ?? false
}

const step = (day: string, by: number) => parseDay(day).add({ days: by }).toString()

/**
 * The business day `n` business days after `day` (before it, for a negative `n`); `day`
 * itself never counts, so "review within 15 business days of 30 Dec" skips the holidays
 * and lands on a business day. With `n` = 0: `day` if it is a business day, else the next.
 */
export function addBusinessDays(calendar: WorkingCalendar, day: string, n: number): string {
  let current = day
  if (n === 0) {
    while (!isBusinessDay(calendar, current)) current = step(current, 1)
    return current
  }
  const direction = Math.sign(n)
  let left = Math.abs(n)
  while (left > 0) {
    current = step(current, direction)
    if (isBusinessDay(calendar, current)) left -= 1
  }
  return current
}

/**
 * How many business days `addBusinessDays` steps over from `from` to reach `to`: forward,
 * the business days after `from` up to and including `to`; backward (negative), those from
 * `to` up to but not including `from`.
 */
export function businessDaysBetween(calendar: WorkingCalendar, from: string, to: string): number {
  const order = Temporal.PlainDate.compare(parseDay(from), parseDay(to))
  if (order === 0) return 0
  // Forward: (from, to]; backward: [to, from).
  const [first, last, sign] = order < 0 ? [step(from, 1), to, 1] : [to, step(from, -1), -1]
  let count = 0
  for (let day = first; Temporal.PlainDate.compare(parseDay(day), parseDay(last)) <= 0; day = step(day, 1)) {
    if (isBusinessDay(calendar, day)) count += 1
  }
  return sign * count
}
