/**
 * Exact decimals for energy (readings, consumption, interval sums): a scaled integer, so
 * `0.1 + 0.2` is `0.3` and a value keeps the decimals it was entered with. Text in and out
 * is Postgres' `numeric` form (`-12.340`); floats only where a heuristic or a chart needs one.
 */
export interface Decimal {
  units: bigint
  scale: number
}

const DECIMAL = /^-?\d+(\.\d+)?$/

export const isDecimal = (text: string): boolean => DECIMAL.test(text)

export function decimal(text: string): Decimal {
  if (!DECIMAL.test(text)) throw new RangeError(`not a decimal: ${text}`)
  const negative = text.startsWith('-')
  const [whole = '0', fraction = ''] = (negative ? text.slice(1) : text).split('.')
  const units = BigInt(whole + fraction)
  return { units: negative ? -units : units, scale: fraction.length }
}

const rescale = (d: Decimal, scale: number): bigint => d.units * 10n ** BigInt(scale - d.scale)

export function add(a: Decimal, b: Decimal): Decimal {
  const scale = Math.max(a.scale, b.scale)
  return { units: rescale(a, scale) + rescale(b, scale), scale }
}

export const negate = (d: Decimal): Decimal => ({ units: -d.units, scale: d.scale })

export const subtract = (a: Decimal, b: Decimal): Decimal => add(a, negate(b))

export const multiply = (a: Decimal, b: Decimal): Decimal => ({
  units: a.units * b.units,
  scale: a.scale + b.scale,
})

export function compare(a: Decimal, b: Decimal): number {
  const scale = Math.max(a.scale, b.scale)
  const diff = rescale(a, scale) - rescale(b, scale)
  return diff < 0n ? -1 : diff > 0n ? 1 : 0
}

/** Without trailing zeros beyond `keep` decimals (a multiplier of 1.0000 adds none). */
export function trimmed(d: Decimal, keep = 0): Decimal {
  let { units, scale } = d
  while (scale > keep && units % 10n === 0n) {
    units /= 10n
    scale--
  }
  return { units, scale }
}

export function decimalText(d: Decimal): string {
  const negative = d.units < 0n
  const digits = (negative ? -d.units : d.units).toString().padStart(d.scale + 1, '0')
  const text = d.scale ? `${digits.slice(0, -d.scale)}.${digits.slice(-d.scale)}` : digits
  return negative ? `-${text}` : text
}

export const decimalNumber = (d: Decimal): number => Number(decimalText(d))

/** The exact sum of the values present; null when none is (missing data is not zero). */
export function sumDecimals(values: readonly (string | null)[]): string | null {
  const present = values.filter((v): v is string => v !== null)
  if (present.length === 0) return null
  return decimalText(present.map(decimal).reduce(add))
}

/**
 * A non-negative amount as people type it ("1 234,5", "0.75"): spaces and a decimal comma
 * allowed, leading zeros dropped. Its whole and fraction digits, or undefined when it is
 * not such a number; the caller checks them against its own limits.
 */
export function typedAmount(raw: string): { value: string; whole: string; fraction: string } | undefined {
  const text = raw.replace(/[\s\u00a0\u202f]/g, '').replace(',', '.')
  if (!/^\d+(\.\d+)?$/.test(text)) return undefined
  const [digits = '', fraction = ''] = text.split('.')
  const whole = digits.replace(/^0+(?=\d)/, '')
  return { value: fraction ? `${whole}.${fraction}` : whole, whole, fraction }
}
