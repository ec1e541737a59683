import { describe, expect, it } from 'vitest'
import { formattersFor } from '../../src/platform/format.ts'
import { formatPhone } from '../../src/platform/phone.ts'

describe('formatting for the reader', () => {
  const at = new Date('2026-12-06T02:14:00Z')

  it('writes English dates the British way, in the tenant’s time zone', () => {
    const en = formattersFor('en', 'Europe/Warsaw')
    expect(en.dateTime(at)).toBe('6 Dec 2026, 03:14')
    expect(en.date(at)).toBe('6 December 2026')
    expect(formattersFor('ru', 'Europe/Moscow').dateTime(at)).toBe('6 дек. 2026 г., 05:14')
  })

  it('keeps each instant and day to its own text when it remembers them, asked in any order', () => {
    const pl = formattersFor('pl', 'Europe/Warsaw')
    const expected: [Date | string, string, string][] = [
      [at, '6 gru 2026, 03:14', '6 grudnia 2026'],
      ['2026-12-06T02:15:00Z', '6 gru 2026, 03:15', '6 grudnia 2026'],
      [new Date('2026-12-05T23:30:00Z'), '6 gru 2026, 00:30', '6 grudnia 2026'],
      [new Date('2026-12-05T22:30:00Z'), '5 gru 2026, 23:30', '5 grudnia 2026'],
      ['2026-12-06T02:14:00Z', '6 gru 2026, 03:14', '6 grudnia 2026'],
    ]
    for (const [value, dateTime, date] of expected) {
      expect(pl.dateTime(value)).toBe(dateTime)
      expect(pl.date(value)).toBe(date)
    }
    // A business day is that calendar day wherever the tenant is, and not an instant's day.
    expect(formattersFor('pl', 'Pacific/Kiritimati').date('2026-12-05')).toBe('5 grudnia 2026')
    expect(formattersFor('pl', 'Pacific/Kiritimati').date(new Date('2026-12-05T12:00:00Z'))).toBe(
      '6 grudnia 2026',
    )
    expect(() => pl.dateTime('not a date')).toThrow(RangeError)
  })

  it('formats numbers in the reader’s locale at any precision, with formatters reused', () => {
    const pl = formattersFor('pl', 'Europe/Warsaw')
    expect(pl.number(12345.678, 2)).toBe('12\u00a0345,68')
    expect(pl.number(12345.678)).toBe('12\u00a0345,678')
    expect(pl.number('0.5', 1)).toBe('0,5')
    expect(formattersFor('pl', 'Europe/Warsaw')).toBe(pl)
  })

  it('shows stored phone numbers as people read them', () => {
    expect(formatPhone('+48512345678')).toBe('+48 512 345 678')
    expect(formatPhone('+79123456789')).toBe('+7 912 345 67 89')
    expect(formatPhone('not a number')).toBe('not a number')
    expect(formatPhone(null)).toBe('')
  })
})
