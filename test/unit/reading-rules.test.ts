import { describe, expect, it } from 'vitest'
import {
  averagePerDay,
  checkReading,
  readingWindow,
  type MeterFacts,
  type PastReading,
} from '../../src/modules/readings/rules.ts'

const SETTINGS = { windowFrom: 1, windowTo: 31, closedOnAmr: false, jumpFactor: 3 }
const METER: MeterFacts = {
  zones: ['total'],
  digits: 5,
  decimals: 1,
  multiplier: '1',
  installedOn: '2026-01-01',
  removedOn: null,
  onAmr: false,
}
const reading = (readOn: string, total: string, rollover = false): PastReading => ({
  readOn,
  values: { total },
  rollover,
})
const input = (day: string, total: string, more: Partial<Parameters<typeof checkReading>[0]> = {}) => ({
  day,
  values: { total },
  reason: null,
  photo: false,
  confirmJump: false,
  ...more,
})
const check = (
  day: string,
  total: string,
  accepted: PastReading[],
  more = {},
  by: 'customer' | 'operator' = 'customer',
) =>
  checkReading(input(day, total, more), METER, {
    today: '2026-11-21',
    by,
    settings: SETTINGS,
    latest: accepted.at(-1) ?? null,
    accepted,
  })

describe('the reading window', () => {
  it.each<[string, number, number, { open: true } | { open: false; opens: string }]>([
    ['2026-11-21', 15, 25, { open: true }],
    ['2026-11-15', 15, 25, { open: true }],
    ['2026-11-25', 15, 25, { open: true }],
    ['2026-11-14', 15, 25, { open: false, opens: '2026-11-15' }],
    ['2026-11-26', 15, 25, { open: false, opens: '2026-12-15' }],
    ['2026-12-26', 15, 25, { open: false, opens: '2027-01-15' }],
    // Over the month's end: 25th to 5th.
    ['2026-11-30', 25, 5, { open: true }],
    ['2026-12-03', 25, 5, { open: true }],
    ['2026-12-06', 25, 5, { open: false, opens: '2026-12-25' }],
    // "To the 31st" in February is its last day; "from the 30th" in February is the 28th.
    ['2027-02-28', 20, 31, { open: true }],
    ['2027-02-27', 30, 31, { open: false, opens: '2027-02-28' }],
    ['2026-11-21', 1, 31, { open: true }],
  ])('on %s with days %i–%i: %j', (today, windowFrom, windowTo, expected) => {
    expect(readingWindow(today, { windowFrom, windowTo })).toEqual(expected)
  })
})

describe('a meter’s usual consumption per day', () => {
  it('is the advance over the days between its first and last accepted readings, counting a wrap the way round', () => {
    expect(averagePerDay([reading('2026-10-01', '100')], METER)).toBeNull()
    expect(averagePerDay([reading('2026-10-01', '100'), reading('2026-10-11', '150')], METER)).toEqual({
      total: 5,
    })
    expect(
      averagePerDay(
        [reading('2026-10-01', '99990'), reading('2026-10-11', '99995'), reading('2026-10-21', '5', true)],
        METER,
      ),
    ).toEqual({ total: 0.75 })
  })
})

describe('plausibility', () => {
  const history = [reading('2026-09-20', '1000'), reading('2026-10-20', '1300')]

  it('accepts a reading in line with the meter’s history', () => {
    expect(check('2026-11-20', '1600.5', history)).toEqual({
      ok: true,
      status: 'accepted',
      rollover: false,
      jumpConfirmed: false,
      values: { total: '1600.5' },
    })
  })

  it.each<[string, string, PastReading[], boolean, string | null]>([
    // 99 990 → 20 is 30 the way round: within 3 × 10 a day × 31 days.
    [
      'wrap in line with use',
      '20',
      [reading('2026-09-20', '99680'), reading('2026-10-20', '99990')],
      true,
      null,
    ],
    // No history: a wrap under a tenth of the register is plausible…
    ['wrap, no history, small', '500', [reading('2026-10-20', '99800')], true, null],
    // …nine tenths is not.
    ['wrap, no history, large', '40000', [reading('2026-10-20', '50000')], false, 'readings.errors.lower'],
    ['below, far more than use allows', '900', history, false, 'readings.errors.lower'],
  ])('%s', (_name, total, accepted, rollover, error) => {
    const verdict = check('2026-11-20', total, accepted)
    if (error) {
      expect(verdict).toMatchObject({
        ok: false,
        offerReview: true,
        errors: [{ field: 'zone-total', key: error }],
      })
    } else expect(verdict).toMatchObject({ ok: true, rollover })
  })

  it('takes a lower value for review with a reason and a photo, and asks for the photo when missing', () => {
    expect(check('2026-11-20', '900', history, { reason: 'replaced' })).toMatchObject({
      ok: false,
      errors: [{ field: 'photo', key: 'readings.errors.photoMissing' }],
    })
    expect(check('2026-11-20', '900', history, { reason: 'replaced', photo: true })).toMatchObject({
      ok: true,
      status: 'review',
    })
  })

  it('asks to confirm a jump above the factor, and marks a confirmed one', () => {
    // 10 a day before; 3 × 10 × 31 = 930 allowed; 1 000 is above it.
    expect(check('2026-11-20', '2300', history)).toMatchObject({
      ok: false,
      askConfirm: true,
      errors: [{ field: 'confirmJump' }],
    })
    expect(check('2026-11-20', '2300', history, { confirmJump: true })).toMatchObject({
      ok: true,
      jumpConfirmed: true,
    })
    expect(check('2026-11-20', '2229', history)).toMatchObject({ ok: true, jumpConfirmed: false })
  })

  it('lets staff enter what the rules would send to review, with their reason standing for the customer’s', () => {
    expect(check('2026-11-20', '900', history, {}, 'operator')).toMatchObject({
      ok: true,
      status: 'accepted',
    })
  })

  it('judges a same-day correction against the reading before that day, not the one it replaces', () => {
    const withToday = [...history, reading('2026-11-20', '1700')]
    expect(check('2026-11-20', '1650', withToday)).toMatchObject({ ok: true, status: 'accepted' })
  })
})
