import { Temporal } from 'temporal-polyfill'

/** Market time units the portal knows: 15-minute (Poland since 2025) and hourly products. */
export type Resolution = 15 | 60

export interface DayInterval {
  /** 1-based position in the day, as in ENTSO-E schedule documents. */
  position: number
  /** The interval's start, a UTC instant: what is stored, so nothing is ambiguous. */
  start: Date
  end: Date
  /** Local wall-clock start, "HH:MM", in the tenant's zone. */
  local: string
  /**
   * On the autumn DST day the hour after 02:00 happens twice: its intervals are marked
   * 'A' (the first, summer time) and 'B' (the second, winter time). Otherwise null.
   */
  repeat: 'A' | 'B' | null
}

export interface DeliveryDay {
  day: string
  zone: string
  start: Date
  end: Date
  /** 23, 24 or 25. */
  hours: number
  intervals: DayInterval[]
}

const DAY = /^\d{4}-\d{2}-\d{2}$/

/** Throws on a day that is not a real calendar day ("2026-02-30"). */
export function parseDay(day: string): Temporal.PlainDate {
  if (!DAY.test(day)) throw new RangeError(`not a day: ${day}`)
  return Temporal.PlainDate.from(day, { overflow: 'reject' })
}

/** Whether `day` is a real calendar day written YYYY-MM-DD ("2026-02-30" is not). */
export function isRealDay(day: string): boolean {
  try {
    parseDay(day)
    return true
  } catch {
    return false
  }
}

/**
 * A delivery day in a zone: from local midnight to the next local midnight (23, 24 or
 * 25 hours), cut into intervals of the resolution. Each interval starts at a UTC instant;
 * its local label comes from the zone, and the repeated autumn hour is marked A and B.
 */
export function deliveryDay(day: string, zone: string, resolution: Resolution): DeliveryDay {
  const date = parseDay(day)
  const first = date.toZonedDateTime({ timeZone: zone })
  const next = date.add({ days: 1 }).toZonedDateTime({ timeZone: zone })
  const minutes = Math.round((next.epochMilliseconds - first.epochMilliseconds) / 60_000)
  const count = minutes / resolution
  const seen = new Map<string, number>()
  const intervals: DayInterval[] = []
  for (let i = 0; i < count; i++) {
    const at = first.add({ minutes: i * resolution })
    const local = at.toPlainTime().toString({ smallestUnit: 'minute' })
    seen.set(local, (seen.get(local) ?? 0) + 1)
    intervals.push({
      position: i + 1,
      start: new Date(at.epochMilliseconds),
      end: new Date(at.epochMilliseconds + resolution * 60_000),
      local,
      repeat: null,
    })
  }
  // Mark both occurrences of a repeated wall-clock time, in order.
  const occurrence = new Map<string, number>()
  for (const interval of intervals) {
    if ((seen.get(interval.local) ?? 0) < 2) continue
    const n = (occurrence.get(interval.local) ?? 0) + 1
    occurrence.set(interval.local, n)
    interval.repeat = n === 1 ? 'A' : 'B'
  }
  return {
    day,
    zone,
    start: new Date(first.epochMilliseconds),
    end: new Date(next.epochMilliseconds),
    hours: minutes / 60,
    intervals,
  }
}

/** The local calendar day an instant falls on in a zone ("which delivery day is this?"). */
export function dayOf(instant: Date, zone: string): string {
  return Temporal.Instant.fromEpochMilliseconds(instant.getTime())
    .toZonedDateTimeISO(zone)
    .toPlainDate()
    .toString()
}

/** The day `n` calendar days after `day` (negative: before). */
export function addDays(day: string, n: number): string {
  return parseDay(day).add({ days: n }).toString()
}

/**
 * A local wall-clock moment on a day relative to a delivery day, such as a gate closure
 * "D-1 at 14:00": the instant it happens in the zone. A time skipped by the spring DST
 * change moves forward (as Temporal's 'compatible' disambiguation does).
 */
export function localMoment(day: string, offsetDays: number, time: string, zone: string): Date {
  const at = parseDay(day)
    .add({ days: offsetDays })
    .toZonedDateTime({ timeZone: zone, plainTime: Temporal.PlainTime.from(time) })
  return new Date(at.epochMilliseconds)
}

/**
 * A wall-clock moment typed in a form ("2026-11-23T10:00", as a datetime-local input
 * sends it, or with a space) in the tenant's zone; undefined for anything else, a day
 * that does not exist included. A time the spring change skips moves forward.
 */
export function parseLocalDateTime(value: string, zone: string): Date | undefined {
  const match = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})$/.exec(value.trim())
  if (!match || !isRealDay(match[1]!)) return undefined
  try {
    const time = Temporal.PlainTime.from(match[2]!, { overflow: 'reject' })
    return localMoment(match[1]!, 0, time.toString({ smallestUnit: 'minute' }), zone)
  } catch {
    return undefined
  }
}

/** An instant as a datetime-local input shows it, in the tenant's zone. */
export function localDateTimeValue(instant: Date, zone: string): string {
  return Temporal.Instant.fromEpochMilliseconds(instant.getTime())
    .toZonedDateTimeISO(zone)
    .toPlainDateTime()
    .toString({ smallestUnit: 'minute' })
}
