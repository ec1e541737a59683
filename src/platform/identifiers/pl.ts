import { digitsOf, weightedSum } from './digits.ts'

/** NIP: 10 digits, optionally prefixed `PL`; weights 6,5,7,2,3,4,5,6,7; a remainder of 10 is never issued. */
export function isValidNip(value: string): boolean {
  const d = digitsOf(value.replace(/^PL/i, ''))
  if (!d || d.length !== 10) return false
  const check = weightedSum(d, [6, 5, 7, 2, 3, 4, 5, 6, 7]) % 11
  return check !== 10 && check === d[9]
}

/** REGON: 9 digits, or 14 whose first 9 are a valid REGON-9. */
export function isValidRegon(value: string): boolean {
  const d = digitsOf(value)
  if (!d) return false
  if (d.length === 9) return (weightedSum(d, [8, 9, 2, 3, 4, 5, 6, 7]) % 11) % 10 === d[8]
  if (d.length === 14) {
    return (
      isValidRegon(d.slice(0, 9).join('')) &&
      (weightedSum(d, [2, 4, 8, 5, 0, 9, 7, 3, 6, 1, 2, 4, 8]) % 11) % 10 === d[13]
    )
  }
  return false
}

/** PESEL: 11 digits, a real date of birth (century coded in the month), weights 1,3,7,9. */
export function isValidPesel(value: string): boolean {
  const d = digitsOf(value)
  if (!d || d.length !== 11) return false
  const check = (10 - (weightedSum(d, [1, 3, 7, 9, 1, 3, 7, 9, 1, 3]) % 10)) % 10
  if (check !== d[10]) return false
  const yy = d[0]! * 10 + d[1]!
  const mm = d[2]! * 10 + d[3]!
  const dd = d[4]! * 10 + d[5]!
  const century = [1900, 2000, 2100, 2200, 1800][Math.floor(mm / 20)]
  if (century === undefined) return false
  const month = mm % 20
  const date = new Date(Date.UTC(century + yy, month - 1, dd))
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === dd && month >= 1 && month <= 12
}
