import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { stepChart } from '../../src/platform/chart.ts'
import { deliveryDay } from '../../src/platform/time/intervals.ts'
import { inputValue, readGrid, readValue, sameValues } from '../../src/modules/generation/grid.ts'
import { byHour, copyByLocalTime } from '../../src/modules/generation/editor.ts'
import { dateCellLabel, intervalLabel, readSchedules } from '../../src/modules/generation/transfer.ts'
import type { UnitRow } from '../../src/modules/generation/units.service.ts'

const KW = { unit: 'kW' as const, precision: 3 }
const MW = { unit: 'MW' as const, precision: 2 }
const SETTINGS = {
  resolution: 15 as const,
  unit: 'kW' as const,
  precision: 3,
  gateDays: 1,
  gateTime: '14:00',
  reminderHours: 3,
}
const UNIT = { id: 'u1', code: 'PV-1', capacity_kw: '1000' } as UnitRow
const warsaw = (day: string) => deliveryDay(day, 'Europe/Warsaw', 15)

describe('schedule values', () => {
  it('reads a value in the tenant unit with a point or a comma, and refuses text, too many decimals and out of range', () => {
    expect(readValue('12,5', KW, 100)).toEqual({ kw: 12.5 })
    expect(readValue(' 1.25 ', MW, 2000)).toEqual({ kw: 1250 })
    expect(readValue('1.255', MW, 2000)).toEqual({ error: 'precision' })
    expect(readValue('2.01', MW, 2000)).toEqual({ error: 'range' })
    expect(readValue('-1', KW, 100)).toEqual({ error: 'range' })
    expect(readValue('1e3', KW, 10_000)).toEqual({ error: 'number' })
    expect(readValue('abc', KW, 100)).toEqual({ error: 'number' })
  })

  it('reads a grid: a draft may be empty, an approval needs every interval; errors name positions', () => {
    const body = { v1: '1', v2: '', v3: 'x' }
    expect(readGrid(body, 3, KW, 100, false)).toEqual({
      values: [1, null, null],
      errors: [{ position: 3, key: 'generation.errors.number' }],
    })
    expect(readGrid(body, 3, KW, 100, true).errors.map((e) => e.position)).toEqual([2, 3])
  })

  it('shows a value back exactly as it reads, in any precision (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.constantFrom(',', '.'), (thousandths, mark) => {
        const kw = thousandths / 1000
        const shown = inputValue(kw, KW, mark)
        const read = readValue(shown, KW, 10_000)
        return 'kw' in read && sameValues([read.kw], [kw], KW)
      }),
    )
  })
})

describe('copying a day onto another by local time', () => {
  it('lays a 96-interval day onto the 92-interval spring day, skipping the hour that does not exist', () => {
    const labels = (day: string) => warsaw(day).intervals.map((iv) => intervalLabel('', iv))
    const from = { labels: labels('2027-03-27'), values: Array.from({ length: 96 }, (_, i) => i) }
    const copied = copyByLocalTime(from, labels('2027-03-28'))
    expect(copied).toHaveLength(92)
    expect(copied.slice(7, 10)).toEqual([7, 12, 13])
  })
})

describe('reading a schedule file', () => {
  const rows = (day: string, values: (string | number)[]) => [
    ['start', 'PV-1'],
    ...warsaw(day).intervals.map((iv, i) => [intervalLabel(day, iv), values[i] ?? '']),
  ]

  it('takes whole days in order, with A/B on the autumn hour (100 rows)', () => {
    const day = '2026-10-25'
    const result = readSchedules(rows(day, Array<string>(100).fill('1,5')), [UNIT], SETTINGS, warsaw)
    expect(result.problems).toEqual([])
    expect(result.days).toHaveLength(1)
    expect(result.days[0]!.values).toHaveLength(100)
    expect(intervalLabel(day, warsaw(day).intervals[8]!)).toBe('2026-10-25 02:00 A')
  })

  it('reads a date-time cell as the minute it shows, however far the reader is off', () => {
    expect(dateCellLabel(new Date('2027-01-14T00:14:59.999Z'))).toBe('2027-01-14 00:15')
    expect(dateCellLabel(new Date('2027-01-14T23:45:00.001Z'))).toBe('2027-01-14 23:45')
    expect(dateCellLabel(new Date('2027-01-14T00:00:00.000Z'))).toBe('2027-01-14 00:00')
  })

  it('says which header cell is empty', () => {
    const table = rows('2026-11-23', Array<number>(96).fill(1)).map((r) => [...r, 1])
    table[0] = ['start', 'PV-1', '']
    const { problems } = readSchedules(table, [UNIT], SETTINGS, warsaw)
    expect(problems).toEqual([
      { line: 1, key: 'generation.import.errors.emptyHeader', params: { column: 3 } },
    ])
  })

  it('names the line of every problem', () => {
    const table = rows('2026-11-23', Array<number>(96).fill(1))
    table[5]![1] = 'abc'
    table[6]![1] = 5000
    table[7]![0] = 'yesterday'
    const { problems } = readSchedules(table, [UNIT], SETTINGS, warsaw)
    expect(problems.map((p) => [p.line, p.key])).toEqual([
      [8, 'generation.import.errors.date'],
      [2, 'generation.import.errors.count'],
    ])
    const numbers = readSchedules(
      rows('2026-11-23', Array<number>(96).fill(1)).map((r, i) =>
        i === 5 ? [r[0]!, 'abc'] : i === 6 ? [r[0]!, 5000] : r,
      ),
      [UNIT],
      SETTINGS,
      warsaw,
    )
    expect(numbers.problems.map((p) => [p.line, p.key])).toEqual([
      [6, 'generation.import.errors.number'],
      [7, 'generation.import.errors.range'],
    ])
  })
})

describe('step charts', () => {
  it('draws each interval as a flat step, breaks at missing values, and labels ticks with the formatter', () => {
    const chart = stepChart([0, 10, null, 5], ['00:00', '00:15', '00:30', '00:45'], {
      format: (n) => `${n} kW`,
      labelEvery: 2,
      width: 400,
      height: 200,
    })
    expect(chart.path.match(/M/g)).toHaveLength(2)
    expect(chart.xTicks.map((t) => t.label)).toEqual(['00:00', '00:30'])
    expect(chart.yTicks.at(-1)!.label).toBe('10 kW')
    expect(chart.yTicks[0]!.y).toBe(chart.plot.bottom)
  })
})

describe('the grid as hours × quarter-hours', () => {
  const rowsOf = (day: string) => {
    const { intervals } = deliveryDay(day, 'Europe/Warsaw', 15)
    return byHour(
      intervals,
      intervals.map((iv) => iv.position),
      15,
    )
  }

  it('lays an ordinary day out as 24 hours of four quarter-hours, in order', () => {
    const rows = rowsOf('2026-11-23')
    expect(rows).toHaveLength(24)
    expect(rows[0]).toEqual({ hour: '00:00', cells: [1, 2, 3, 4] })
    expect(rows[23]).toEqual({ hour: '23:00', cells: [93, 94, 95, 96] })
  })

  it('has 23 hours on the spring day (no 02:00) and 25 on the autumn day (02:00 A and B)', () => {
    const spring = rowsOf('2027-03-28')
    expect(spring.map((r) => r.hour)).toEqual([
      '00:00',
      '01:00',
      '03:00',
      '04:00',
      '05:00',
      '06:00',
      '07:00',
      '08:00',
      '09:00',
      '10:00',
      '11:00',
      '12:00',
      '13:00',
      '14:00',
      '15:00',
      '16:00',
      '17:00',
      '18:00',
      '19:00',
      '20:00',
      '21:00',
      '22:00',
      '23:00',
    ])
    expect(spring[2]).toEqual({ hour: '03:00', cells: [9, 10, 11, 12] })
    const autumn = rowsOf('2026-10-25')
    expect(autumn).toHaveLength(25)
    expect(autumn.slice(2, 4)).toEqual([
      { hour: '02:00 A', cells: [9, 10, 11, 12] },
      { hour: '02:00 B', cells: [13, 14, 15, 16] },
    ])
    expect(autumn[24]).toEqual({ hour: '23:00', cells: [97, 98, 99, 100] })
  })
})

describe('values below zero', () => {
  it('are refused for generation and taken for a storage unit down to minus its charging capacity', () => {
    expect(readValue('-0,5', KW, 1000)).toEqual({ error: 'range' })
    expect(readValue('-0,5', KW, 1000, 1)).toEqual({ kw: -0.5 })
    // A typographic minus, as a spreadsheet may write it.
    expect(readValue('\u22123', KW, 1000, 5)).toEqual({ kw: -3 })
    expect(readValue('-6', KW, 1000, 5)).toEqual({ error: 'rangeStorage' })
    expect(readValue('1001', KW, 1000, 5)).toEqual({ error: 'rangeStorage' })
    expect(readValue('-0', KW, 1000)).toEqual({ kw: 0 })
    expect(readValue('-0,0001', KW, 1000, 5)).toEqual({ error: 'precision' })
  })
})
