import { digitsOf, weightedSum } from './digits.ts'

const mod11mod10 = (digits: readonly number[], weights: readonly number[]) =>
  (weightedSum(digits, weights) % 11) % 10

/** INN: 10 digits for an organisation, 12 for a person (two check digits). */
export function isValidInn(value: string): boolean {
  const d = digitsOf(value)
  if (!d) return false
  if (d.length === 10) return mod11mod10(d, [2, 4, 10, 3, 5, 9, 4, 6, 8]) === d[9]
  if (d.length === 12) {
    return (
      mod11mod10(d, [7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) === d[10] &&
      mod11mod10(d, [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) === d[11]
    )
  }
  return false
}

/** OGRN (13 digits, not starting with 0): the first 12 as a number, mod 11, mod 10. */
export function isValidOgrn(value: string): boolean {
  const d = digitsOf(value)
  if (!d || d.length !== 13 || d[0] === 0) return false
  return Number((BigInt(d.slice(0, 12).join('')) % 11n) % 10n) === d[12]
}

/**
 * OGRNIP (15 digits, beginning with the record sign 3 of an individual entrepreneur):
 * the first 14 as a number, mod 13, last digit of the remainder.
 */
export function isValidOgrnip(value: string): boolean {
  const d = digitsOf(value)
  if (!d || d.length !== 15 || d[0] !== 3) return false
  return Number((BigInt(d.slice(0, 14).join('')) % 13n) % 10n) === d[14]
}

/** KPP has a format but no checksum. */
export function isValidKpp(value: string): boolean {
  return /^\d{4}[\dA-Z]{2}\d{3}$/.test(value.trim())
}

/** SNILS: 11 digits; numbers up to 001-001-998 predate the checksum. */
export function isValidSnils(value: string): boolean {
  const d = digitsOf(value)
  if (!d || d.length !== 11) return false
  const number = Number(d.slice(0, 9).join(''))
  const control = d[9]! * 10 + d[10]!
  if (number <= 1_001_998) return true
  const sum = weightedSum(d, [9, 8, 7, 6, 5, 4, 3, 2, 1])
  const expected = sum < 100 ? sum : sum === 100 || sum === 101 ? 0 : sum % 101 === 100 ? 0 : sum % 101
  return expected === control
}
