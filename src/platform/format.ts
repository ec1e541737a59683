import type { Locale } from './i18n/locales.ts'
import { boundedMemo } from './memo.ts'

export interface Formatters {
  date(value: Date | string): string
  dateTime(value: Date | string): string
  number(value: number | string, fractionDigits?: number): string
  /** A calendar month, `2026-11`: "Nov 2026". */
  month(value: string): string
  /** A `numeric` as saved (`1234.50`), with exactly its own decimals: "1,234.50", "1 234,50". */
  amount(value: string): string
}

const cache = new Map<string, Formatters>()

/**
 * Dates and numbers as the reader expects them: their locale, the tenant's clock.
 * Intl formatters are costly to build and immutable, so each (locale, zone) pair is
 * built once per process.
 */
export function formattersFor(locale: Locale, timeZone: string): Formatters {
  const key = `${locale}|${timeZone}`
  let formatters = cache.get(key)
  if (!formatters) {
    formatters = createFormatters(locale, timeZone)
    cache.set(key, formatters)
  }
  return formatters
}

/**
 * The portal's English is British: "6 Dec 2026, 03:14", not the US "Dec 6, 2026, 3:14 AM"
 * that plain `en` gives.
 */
export const intlLocale = (locale: Locale): string => (locale === 'en' ? 'en-GB' : locale)

function createFormatters(appLocale: Locale, timeZone: string): Formatters {
  const locale = intlLocale(appLocale)
  const dateFmt = new Intl.DateTimeFormat(locale, { timeZone, dateStyle: 'long' })
  const dateTimeFmt = new Intl.DateTimeFormat(locale, { timeZone, dateStyle: 'medium', timeStyle: 'short' })
  const businessDayFmt = new Intl.DateTimeFormat(locale, { timeZone: 'UTC', dateStyle: 'long' })
  const monthFmt = new Intl.DateTimeFormat(locale, { timeZone: 'UTC', month: 'short', year: 'numeric' })
  // Formatting a date in a time zone costs more than the rest of a list row: a list shows
  // the same instants each time it is opened, so each formatter keeps what it wrote.
  const businessDay = remembered((day: string) => businessDayFmt.format(new Date(`${day}T00:00:00Z`)))
  const instantDate = remembered((ms: number) => dateFmt.format(ms))
  const instantDateTime = remembered((ms: number) => dateTimeFmt.format(ms))
  // One number formatter per precision, built on first use (building one per call is slow).
  const numberFmts = new Map<number | undefined, Intl.NumberFormat>()
  const numberFmt = (fractionDigits: number | undefined) => {
    let fmt = numberFmts.get(fractionDigits)
    if (!fmt) {
      fmt = new Intl.NumberFormat(locale, {
        minimumFractionDigits: fractionDigits,
        maximumFractionDigits: fractionDigits ?? 3,
      })
      numberFmts.set(fractionDigits, fmt)
    }
    return fmt
  }
  return {
    // A 'YYYY-MM-DD' business day has no time zone of its own: format it as that calendar day.
    date: (value) =>
      typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)
        ? businessDay(value)
        : instantDate(new Date(value).getTime()),
    dateTime: (value) => instantDateTime(new Date(value).getTime()),
    number: (value, fractionDigits) => numberFmt(fractionDigits).format(Number(value)),
    month: (value) => monthFmt.format(new Date(`${value}-01T00:00:00Z`)),
    amount: (value) => numberFmt(value.split('.')[1]?.length ?? 0).format(Number(value)),
  }
}

/** `format` with its answers kept (at most 5,000). */
function remembered<K>(format: (value: K) => string): (value: K) => string {
  const memo = boundedMemo<K, string>(5_000)
  return (value) => memo(value, () => format(value))
}

export function formatBytes(bytes: number, locale: Locale): string {
  const units = ['byte', 'kilobyte', 'megabyte'] as const
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit += 1
  }
  return new Intl.NumberFormat(intlLocale(locale), {
    style: 'unit',
    unit: units[unit],
    maximumFractionDigits: 1,
  }).format(value)
}
