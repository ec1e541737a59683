import {
  add,
  compare,
  decimal,
  decimalNumber,
  subtract,
  typedAmount,
  type Decimal,
} from '../../platform/decimal.ts'
import { isRealDay, parseDay } from '../../platform/time/intervals.ts'
import type { ReadingsSettings } from './settings.ts'

/** What the rules need of a meter (REFERENCE.md "Meter readings"). */
export interface MeterFacts {
  zones: readonly string[]
  digits: number
  decimals: number
  multiplier: string
  installedOn: string
  removedOn: string | null
  onAmr: boolean
}

/** A reading as stored: the day, a value per zone, and whether its register had wrapped. */
export interface PastReading {
  readOn: string
  values: Readonly<Record<string, string>>
  rollover: boolean
}

export const REVIEW_REASONS = ['replaced', 'previousWrong', 'other'] as const
export type ReviewReason = (typeof REVIEW_REASONS)[number]

export interface ReadingInput {
  day: string
  /** As typed, per zone: spaces and a decimal comma are allowed. */
  values: Readonly<Record<string, string>>
  /** Set when the customer insists on a value the rules refuse (with a photo, for review). */
  reason: ReviewReason | null
  photo: boolean
  confirmJump: boolean
}

export interface RuleError {
  field: string
  key: string
  vars?: Record<string, unknown>
}

export type Verdict =
  | {
      ok: false
      errors: RuleError[]
      /** A jump the customer may confirm: the form then shows the box. */
      askConfirm: boolean
      /** A value below the last one that is no rollover: the form offers the reviewed way out. */
      offerReview: boolean
    }
  | {
      ok: true
      status: 'accepted' | 'review'
      rollover: boolean
      jumpConfirmed: boolean
      /** Normalised (`12345.6`), one per zone. */
      values: Record<string, string>
    }

export const zoneField = (zone: string) => `zone-${zone}`

/** Whether customers may enter readings today, and if not, the day the window next opens. */
export function readingWindow(
  today: string,
  settings: Pick<ReadingsSettings, 'windowFrom' | 'windowTo'>,
): { open: true } | { open: false; opens: string } {
  const { windowFrom: from, windowTo: to } = settings
  const date = parseDay(today)
  // A window day past the month's end means its last day (a "to 31" window in February).
  const inMonth = (day: number, month: typeof date) => Math.min(day, month.daysInMonth)
  const d = date.day
  const open =
    from <= to
      ? d >= inMonth(from, date) && d <= inMonth(to, date)
      : d >= inMonth(from, date) || d <= inMonth(to, date)
  if (open) return { open: true }
  const thisMonth = date.with({ day: inMonth(from, date) })
  if (thisMonth.day > d) return { open: false, opens: thisMonth.toString() }
  const next = date.add({ months: 1 }).with({ day: 1 })
  return { open: false, opens: next.with({ day: inMonth(from, next) }).toString() }
}

const daysBetween = (a: string, b: string) => parseDay(a).until(parseDay(b)).days

/** A typed value in the register's own form, or why it is not one. */
function readValue(
  raw: string,
  meter: MeterFacts,
): { value: string } | { key: string; vars?: Record<string, unknown> } {
  const amount = typedAmount(raw)
  if (!amount) return { key: 'readings.errors.number' }
  const { whole, fraction, value } = amount
  if (whole.length > meter.digits) return { key: 'readings.errors.digits', vars: { digits: meter.digits } }
  if (fraction.length > meter.decimals)
    return meter.decimals
      ? { key: 'readings.errors.decimals', vars: { decimals: meter.decimals } }
      : { key: 'readings.errors.noDecimals' }
  return { value }
}

/**
 * What a register advanced from one reading to the next, in register units: negative when
 * it went back, or — when `wrapped` — the way round its last digit (99 998 → 00 003 is 5).
 */
export function advance(previous: string, next: string, digits: number, wrapped: boolean): Decimal {
  const diff = subtract(decimal(next), decimal(previous))
  return wrapped ? add(diff, { units: 10n ** BigInt(digits), scale: 0 }) : diff
}

/**
 * A meter's usual consumption per day and zone in register units, over its accepted
 * readings (oldest first); none with fewer than two or a span under a day.
 */
export function averagePerDay(
  readings: readonly PastReading[],
  meter: Pick<MeterFacts, 'zones' | 'digits'>,
): Record<string, number> | null {
  const first = readings[0]
  const last = readings.at(-1)
  if (!first || !last || readings.length < 2) return null
  const days = daysBetween(first.readOn, last.readOn)
  if (days < 1) return null
  const out: Record<string, number> = {}
  for (const zone of meter.zones) {
    let total = 0
    for (let i = 1; i < readings.length; i++) {
      const from = readings[i - 1]!.values[zone]
      const to = readings[i]!.values[zone]
      if (from !== undefined && to !== undefined)
        total += decimalNumber(advance(from, to, meter.digits, readings[i]!.rollover))
    }
    out[zone] = total / days
  }
  return out
}

/**
 * The checks of a reading (REFERENCE.md "Meter readings", issue 19 items 3–4), in the
 * order a person fixes them: can one enter at all, the day, each zone's value, then
 * plausibility against the last accepted reading before the day and the meter's average
 * consumption per day (from the accepted readings before it). Operators are not held to the window or the AMR closure, and
 * their reason stands for a customer's review: what staff enter is accepted.
 */
export function checkReading(
  input: ReadingInput,
  meter: MeterFacts,
  context: {
    today: string
    by: 'customer' | 'operator'
    settings: Pick<ReadingsSettings, 'windowFrom' | 'windowTo' | 'closedOnAmr' | 'jumpFactor'>
    /** The meter's latest live reading (accepted or under review) of any day. */
    latest: PastReading | null
    /** Its recent accepted readings, in any order: a year's worth is enough to judge by. */
    accepted: readonly PastReading[]
  },
): Verdict {
  const errors: RuleError[] = []
  const fail = (askConfirm = false, offerReview = false): Verdict => ({
    ok: false,
    errors,
    askConfirm,
    offerReview,
  })
  const first = zoneField(meter.zones[0]!)
  if (context.by === 'customer') {
    if (meter.onAmr && context.settings.closedOnAmr) {
      errors.push({ field: first, key: 'readings.errors.amrClosed' })
      return fail()
    }
    const window = readingWindow(context.today, context.settings)
    if (!window.open) {
      errors.push({ field: first, key: 'readings.errors.window', vars: { opens: window.opens } })
      return fail()
    }
  }

  const day = input.day.trim()
  if (!isRealDay(day)) errors.push({ field: 'day', key: 'readings.errors.day' })
  else if (day > context.today) errors.push({ field: 'day', key: 'readings.errors.dayFuture' })
  else if (day < meter.installedOn)
    errors.push({ field: 'day', key: 'readings.errors.beforeInstalled', vars: { date: meter.installedOn } })
  else if (meter.removedOn && day > meter.removedOn)
    errors.push({ field: 'day', key: 'readings.errors.afterRemoved', vars: { date: meter.removedOn } })
  else if (context.latest && day < context.latest.readOn)
    errors.push({ field: 'day', key: 'readings.errors.beforeLatest', vars: { date: context.latest.readOn } })

  const typed = meter.zones.map((zone) => ({ zone, raw: (input.values[zone] ?? '').trim() }))
  const empty = typed.filter((z) => z.raw === '')
  if (empty.length === typed.length) errors.push({ field: first, key: 'readings.errors.none' })
  else for (const z of empty) errors.push({ field: zoneField(z.zone), key: 'readings.errors.allZones' })
  const values: Record<string, string> = {}
  for (const z of typed) {
    if (z.raw === '') continue
    const read = readValue(z.raw, meter)
    if ('value' in read) values[z.zone] = read.value
    else errors.push({ field: zoneField(z.zone), key: read.key, vars: read.vars })
  }
  if (errors.length) return fail()

  const history = context.accepted
    .filter((r) => r.readOn < day)
    .sort((a, b) => (a.readOn < b.readOn ? -1 : 1))
  const base = history.at(-1)
  const averages = averagePerDay(history, meter)
  if (!base) return { ok: true, status: 'accepted', rollover: false, jumpConfirmed: false, values }
  const days = Math.max(1, daysBetween(base.readOn, day))
  const factor = context.settings.jumpFactor
  let rollover = false
  let jump = false
  const lower: string[] = []
  for (const zone of meter.zones) {
    const previous = base.values[zone]
    if (previous === undefined) continue
    const straight = advance(previous, values[zone]!, meter.digits, false)
    const average = averages?.[zone]
    if (compare(straight, { units: 0n, scale: 0 }) < 0) {
      // A wrap is plausible when the way round is no more than the meter's usual use over
      // these days allows — or, with no history, less than a tenth of the register.
      const wrapped = decimalNumber(advance(previous, values[zone]!, meter.digits, true))
      const limit = average ? average * factor * days : 10 ** meter.digits / 10
      if (wrapped <= limit) rollover = true
      else lower.push(zone)
    } else if (average && decimalNumber(straight) / days > average * factor) jump = true
  }
  if (lower.length && context.by === 'customer') {
    if (!input.reason) {
      for (const zone of lower)
        errors.push({
          field: zoneField(zone),
          key: 'readings.errors.lower',
          vars: { previous: base.values[zone], date: base.readOn },
        })
      return fail(false, true)
    }
    if (!input.photo) {
      errors.push({ field: 'photo', key: 'readings.errors.photoMissing' })
      return fail(false, true)
    }
    return { ok: true, status: 'review', rollover, jumpConfirmed: false, values }
  }
  if (jump && !input.confirmJump && context.by === 'customer') {
    errors.push({ field: 'confirmJump', key: 'readings.errors.jump', vars: { factor } })
    return fail(true)
  }
  return { ok: true, status: 'accepted', rollover, jumpConfirmed: jump, values }
}
