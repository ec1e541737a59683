import { describe, expect, it } from 'vitest'
import { sumDecimals } from '../../src/platform/decimal.ts'

describe('sumDecimals', () => {
  it.each<[(string | null)[], string | null]>([
    [[], null],
    [[null, null], null],
    [['1.5', null, '2.25'], '3.75'],
    [['0.1', '0.2'], '0.3'],
    [['48845', '12.500'], '48857.500'],
    [['-4', '1.5'], '-2.5'],
    [['-0.125', '0.125'], '0.000'],
    [['9007199254740993', '1'], '9007199254740994'],
  ])('%j sums to %s, exactly', (values, total) => {
    expect(sumDecimals(values)).toBe(total)
  })
})
