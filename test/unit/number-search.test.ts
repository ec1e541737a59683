import { describe, expect, it } from 'vitest'
import { mayBeInNumber } from '../../src/modules/applications/list.service.ts'

describe('which search terms can be part of an application number (TP-2026-000123)', () => {
  it.each([
    ['TP-2026-000123', true],
    ['tp-2026', true],
    ['000123', true],
    ['2026-0001', true],
    ['ABCD-2026', true],
    ['TP', true],
    ['Kowal', false],
    ['ABCDE-2026', false],
    ['Customer 17', false],
    ['anna@example.com', false],
    ['Gdańsk', false],
    ['ул', false],
    ['TP_2026', false],
  ])('%s: %s', (term, expected) => {
    expect(mayBeInNumber(term)).toBe(expected)
  })
})
