import fc from 'fast-check'
import { Temporal } from 'temporal-polyfill'
import { describe, expect, it } from 'vitest'
import {
  addBusinessDays,
  businessDaysBetween,
  isBusinessDay,
  isConfirmed,
  isShortDay,
  workingCalendar,
} from '../../src/platform/calendar/index.ts'

const ru = workingCalendar('RU')
const cn = workingCalendar('CN')
const pl = workingCalendar('PL')

describe('the business-day calendar', () => {
  it('knows the Russian transfer days that holiday libraries miss', () => {
    for (const day of ['2026-01-09', '2026-03-09', '2026-05-11', '2026-12-31']) {
      expect(isBusinessDay(ru, day)).toBe(false)
    }
    expect(isBusinessDay(ru, '2025-11-01')).toBe(true)
    expect(isBusinessDay(ru, '2026-01-12')).toBe(true)
    expect(isShortDay(ru, '2026-04-30')).toBe(true)
  })

  // Published totals of working days (the production calendars of each country), written
  // by hand, against which the official years are counted day by day.
  it.for([
    ['PL', 2025, 251],
    ['PL', 2026, 253],
    ['RU', 2025, 247],
    ['RU', 2026, 247],
    ['CN', 2025, 248],
    ['CN', 2026, 248],
  ] as const)('%s %i has %i working days, as published', ([country, year, total]) => {
    const calendar = workingCalendar(country)
    expect(isConfirmed(calendar, year)).toBe(true)
    expect(calendar.years.get(year)?.source).toBeTruthy()
    let count = 0
    for (let day = Temporal.PlainDate.from(`${year}-01-01`); day.year === year; day = day.add({ days: 1 }))
      if (isBusinessDay(calendar, day.toString())) count++
    expect(count).toBe(total)
  })

  it('knows the Russian days off moved in 2025 from 23 February and 8 March, and which days are shortened', () => {
    expect(isBusinessDay(ru, '2025-05-08')).toBe(false)
    expect(isBusinessDay(ru, '2025-06-13')).toBe(false)
    expect(isShortDay(ru, '2025-05-08')).toBe(false)
    expect(isShortDay(ru, '2025-05-07')).toBe(false)
    for (const day of ['2025-03-07', '2025-04-30', '2025-06-11', '2025-11-01'])
      expect(isShortDay(ru, day)).toBe(true)
  })

  it('knows the Chinese 调休 working weekends', () => {
    for (const day of ['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10']) {
      expect(isBusinessDay(cn, day)).toBe(true)
    }
    for (const day of ['2026-02-16', '2026-02-23', '2026-10-07']) expect(isBusinessDay(cn, day)).toBe(false)
  })

  it('counts forward and back across weekends, holidays, transfers and the year end', () => {
    // Friday 24 Dec 2026 in Poland is Wigilia; the next business day after Wednesday 23 is Monday 28.
    expect(addBusinessDays(pl, '2026-12-23', 1)).toBe('2026-12-28')
    // Russia: 30 Dec 2026 + 1 skips 31 Dec (moved off) and 1–11 Jan 2027 (holidays, unconfirmed guess + weekend).
    expect(addBusinessDays(ru, '2026-12-30', 1)).toBe('2027-01-11')
    // China: the working Saturday 14 Feb 2026 counts; the Spring Festival week does not.
    expect(addBusinessDays(cn, '2026-02-13', 1)).toBe('2026-02-14')
    expect(addBusinessDays(cn, '2026-02-14', 1)).toBe('2026-02-24')
    expect(addBusinessDays(cn, '2026-02-24', -1)).toBe('2026-02-14')
    expect(addBusinessDays(pl, '2026-11-14', 0)).toBe('2026-11-16')
    expect(businessDaysBetween(cn, '2026-02-13', '2026-02-24')).toBe(2)
    expect(businessDaysBetween(cn, '2026-02-24', '2026-02-13')).toBe(-2)
    expect(businessDaysBetween(pl, '2026-12-31', '2027-01-08')).toBe(4)
  })

  it('says which years are confirmed; others fall back to weekends and fixed holidays', () => {
    expect(isConfirmed(ru, 2026)).toBe(true)
    expect(isConfirmed(ru, 2027)).toBe(false)
    expect(isBusinessDay(pl, '2027-11-11')).toBe(false)
    expect(isBusinessDay(pl, '2027-11-12')).toBe(true)
    // A tenant's own list for a year replaces the guess.
    const own = workingCalendar('PL', [
      { year: 2027, daysOff: ['2027-11-12'], workingDays: [], shortDays: [] },
    ])
    expect(isConfirmed(own, 2027)).toBe(true)
    expect(isBusinessDay(own, '2027-11-12')).toBe(false)
  })

  it('keeps adding and counting consistent, and always lands on a business day', () => {
    const calendars = fc.constantFrom(ru, cn, pl)
    const days = fc
      .date({ min: new Date('2025-01-01'), max: new Date('2027-06-30'), noInvalidDate: true })
      .map((d) => d.toISOString().slice(0, 10))
    fc.assert(
      fc.property(calendars, days, fc.integer({ min: -40, max: 40 }), (calendar, day, n) => {
        const result = addBusinessDays(calendar, day, n)
        if (n !== 0) {
          expect(isBusinessDay(calendar, result)).toBe(true)
          expect(businessDaysBetween(calendar, day, result)).toBe(n)
        }
      }),
      { numRuns: 300 },
    )
  })
})
