import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  addDays,
  dayOf,
  deliveryDay,
  localDateTimeValue,
  localMoment,
  parseDay,
  parseLocalDateTime,
} from '../../src/platform/time/intervals.ts'

const WARSAW = 'Europe/Warsaw'

describe('delivery days and their intervals', () => {
  it.each([
    ['2026-01-15', '2026-01-14T23:00:00.000Z', '2026-01-15T23:00:00.000Z', 24, 96],
    ['2026-03-29', '2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z', 23, 92],
    ['2025-10-26', '2025-10-25T22:00:00.000Z', '2025-10-26T23:00:00.000Z', 25, 100],
  ])('%s in Warsaw runs %s → %s: %i hours, %i quarter-hours', (day, start, end, hours, quarters) => {
    const d = deliveryDay(day, WARSAW, 15)
    expect(d.start.toISOString()).toBe(start)
    expect(d.end.toISOString()).toBe(end)
    expect(d.hours).toBe(hours)
    expect(d.intervals).toHaveLength(quarters)
    expect(deliveryDay(day, WARSAW, 60).intervals).toHaveLength(hours)
  })

  it('skips 02:00–03:00 in spring and marks the repeated hour A and B in autumn', () => {
    const spring = deliveryDay('2026-03-29', WARSAW, 60).intervals.map((i) => i.local)
    expect(spring.slice(0, 4)).toEqual(['00:00', '01:00', '03:00', '04:00'])
    const autumn = deliveryDay('2025-10-26', WARSAW, 60).intervals
    expect(autumn.slice(1, 5).map((i) => `${i.local}${i.repeat ?? ''}`)).toEqual([
      '01:00',
      '02:00A',
      '02:00B',
      '03:00',
    ])
    expect(autumn[2]!.start.toISOString()).toBe('2025-10-26T00:00:00.000Z')
    expect(autumn[3]!.start.toISOString()).toBe('2025-10-26T01:00:00.000Z')
    const quarters = deliveryDay('2025-10-26', WARSAW, 15).intervals.filter((i) => i.repeat)
    expect(quarters.map((i) => `${i.local}${i.repeat}`)).toEqual([
      '02:00A',
      '02:15A',
      '02:30A',
      '02:45A',
      '02:00B',
      '02:15B',
      '02:30B',
      '02:45B',
    ])
  })

  it('has 24 hours every day in Moscow and Shanghai', () => {
    expect(deliveryDay('2026-03-29', 'Europe/Moscow', 60).hours).toBe(24)
    expect(deliveryDay('2025-10-26', 'Asia/Shanghai', 15).intervals).toHaveLength(96)
  })

  it('tiles the day: intervals are contiguous, numbered 1..N, and each starts on the day', () => {
    const zones = fc.constantFrom(
      WARSAW,
      'Europe/Moscow',
      'Asia/Shanghai',
      'Europe/London',
      'America/New_York',
    )
    const days = fc.date({ min: new Date('2024-01-01'), max: new Date('2030-12-31'), noInvalidDate: true })
    fc.assert(
      fc.property(days, zones, fc.constantFrom(15 as const, 60 as const), (date, zone, resolution) => {
        const day = date.toISOString().slice(0, 10)
        const d = deliveryDay(day, zone, resolution)
        expect(d.intervals[0]!.start).toEqual(d.start)
        expect(d.intervals.at(-1)!.end).toEqual(d.end)
        d.intervals.forEach((interval, i) => {
          expect(interval.position).toBe(i + 1)
          if (i > 0) expect(interval.start).toEqual(d.intervals[i - 1]!.end)
          expect(dayOf(interval.start, zone)).toBe(day)
        })
      }),
      { numRuns: 200 },
    )
  })

  it('places gate closures in local time, the day before included, across DST', () => {
    // D-1 at 14:00 for the spring DST day is still in winter time (UTC+1).
    expect(localMoment('2026-03-29', -1, '14:00', WARSAW).toISOString()).toBe('2026-03-28T13:00:00.000Z')
    expect(localMoment('2026-03-30', -1, '14:00', WARSAW).toISOString()).toBe('2026-03-29T12:00:00.000Z')
    expect(addDays('2026-01-01', -1)).toBe('2025-12-31')
    expect(dayOf(new Date('2026-03-28T23:30:00Z'), WARSAW)).toBe('2026-03-29')
  })

  it('refuses days that do not exist', () => {
    expect(() => parseDay('2026-02-30')).toThrow()
    expect(() => parseDay('26-1-1')).toThrow()
    expect(() => deliveryDay('2026-13-01', WARSAW, 15)).toThrow()
  })
})

describe('a wall-clock moment typed in a form', () => {
  it.each([
    ['2026-11-24T10:00', '2026-11-24T09:00:00.000Z'],
    ['2026-11-24 10:00', '2026-11-24T09:00:00.000Z'],
    ['2026-07-01T00:00', '2026-06-30T22:00:00.000Z'],
    // 02:30 does not exist on 29 March 2026 in Warsaw: it moves forward to 03:30 (summer time).
    ['2026-03-29T02:30', '2026-03-29T01:30:00.000Z'],
    // 02:30 happens twice on 25 October 2026: the first (summer time) is taken.
    ['2026-10-25T02:30', '2026-10-25T00:30:00.000Z'],
  ])('reads %s in Warsaw as %s', (typed, instant) => {
    expect(parseLocalDateTime(typed, 'Europe/Warsaw')?.toISOString()).toBe(instant)
  })

  it.each([
    '',
    '2026-11-31T10:00',
    '2026-11-24T24:00',
    '2026-11-24T10:60',
    '24.11.2026 10:00',
    '2026-11-24',
    '2026-11-24T10:00Z',
  ])('refuses %j', (typed) => {
    expect(parseLocalDateTime(typed, 'Europe/Warsaw')).toBeUndefined()
  })

  it('shows an instant as a datetime-local input does, in the zone', () => {
    expect(localDateTimeValue(new Date('2026-11-24T09:00:00Z'), 'Europe/Warsaw')).toBe('2026-11-24T10:00')
    expect(localDateTimeValue(new Date('2026-11-24T09:00:00Z'), 'Asia/Shanghai')).toBe('2026-11-24T17:00')
  })
})
