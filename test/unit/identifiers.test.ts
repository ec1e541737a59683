import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  IDENTIFIERS,
  normaliseIdentifier,
  type IdentifierKind,
} from '../../src/platform/identifiers/index.ts'

/** Published valid examples (../shared/REFERENCE.md, python-stdnum), and near misses. */
const VECTORS: Record<IdentifierKind, { valid: string[]; invalid: string[] }> = {
  'pl.nip': {
    valid: ['8567346215', 'PL8567346215', '856-734-62-15'],
    invalid: ['8567346216', '856734621', '12345678A0'],
  },
  'pl.regon': {
    valid: ['123456785', '12345678512347'],
    invalid: ['123456786', '12345678512348', '12345678612347'],
  },
  'pl.pesel': {
    valid: ['44051401359', '02211307589'],
    invalid: ['44051401358', '44133101352', '4405140135'],
  },
  'ru.inn': { valid: ['7707083893', '500100732259'], invalid: ['7707083894', '500100732258', '50010073225'] },
  'ru.ogrn': { valid: ['1027700132195'], invalid: ['1027700132196', '0027700132195'] },
  'ru.ogrnip': {
    valid: ['304500116000157'],
    // The last two have a right check digit but not the record sign 3 an OGRNIP begins with.
    invalid: ['304500116000158', '30450011600015', '404500116000154', '104500116000150'],
  },
  'ru.kpp': { valid: ['773601001', '7736AB001'], invalid: ['77360100', '7736ab001', 'A73601001'] },
  'ru.snils': {
    valid: ['112-233-445 95', '11223344595', '001-001-998 00'],
    invalid: ['112-233-445 96', '1122334459'],
  },
  'cn.uscc': {
    valid: ['91110000600037341L', '91310115MA1K3BTP2B'],
    invalid: ['91110000600037341M', '91310115MA1K3BTP2I', '9111000060003734'],
  },
  'cn.residentId': {
    valid: ['11010519491231002X', '11010519491231002x'],
    invalid: ['110105194912310021', '11010519491331002X', '1101051949123100'],
  },
}

describe('identifier checksums', () => {
  for (const [kind, { valid, invalid }] of Object.entries(VECTORS) as [
    IdentifierKind,
    (typeof VECTORS)[IdentifierKind],
  ][]) {
    it.each(valid)(`${kind} accepts %s`, (v) => expect(IDENTIFIERS[kind](v)).toBe(true))
    it.each(invalid)(`${kind} refuses %s`, (v) => expect(IDENTIFIERS[kind](v)).toBe(false))
  }

  it('catches every single-digit typo in a valid NIP, INN and REGON', () => {
    for (const [kind, value] of [
      ['pl.nip', '8567346215'],
      ['ru.inn', '7707083893'],
      ['pl.regon', '123456785'],
    ] as const) {
      fc.assert(
        fc.property(fc.nat(value.length - 1), fc.integer({ min: 1, max: 9 }), (pos, delta) => {
          const digits = [...value].map(Number)
          digits[pos] = (digits[pos]! + delta) % 10
          // A changed digit whose weight is a multiple of the modulus cannot be caught; none of these has one.
          return !IDENTIFIERS[kind](digits.join(''))
        }),
      )
    }
  })

  it('normalises what people type into the stored form', () => {
    expect(normaliseIdentifier('pl.nip', 'pl 856-734-62-15')).toBe('8567346215')
    expect(normaliseIdentifier('cn.residentId', ' 11010519491231002x ')).toBe('11010519491231002X')
  })
})
