import type { GenerationSettings } from './settings.ts'

/** kW per unit the tenant enters values in. */
export const unitFactor = (settings: Pick<GenerationSettings, 'unit'>): number =>
  settings.unit === 'MW' ? 1000 : 1

const NUMBER = /^-?\d{1,9}([.,]\d+)?$/

/**
 * A value as typed ("1,5", "1.5", " 2 ", "-0,5") in the tenant's unit → kW, or why not.
 * Generation is never below zero; a storage unit's charging is, down to its charging
 * capacity (`chargingKw`, 0 for every other unit).
 */
export function readValue(
  text: string,
  settings: Pick<GenerationSettings, 'unit' | 'precision'>,
  capacityKw: number,
  chargingKw = 0,
): { kw: number } | { error: 'number' | 'precision' | 'range' | 'rangeStorage' } {
  const raw = text.replace(/\s/g, '').replace(/^[\u2212\u2013]/, '-')
  const range = chargingKw > 0 ? ('rangeStorage' as const) : ('range' as const)
  if (!NUMBER.test(raw)) return { error: 'number' }
  const [, decimals = ''] = raw.replace('-', '').split(/[.,]/)
  if (decimals.length > settings.precision) return { error: 'precision' }
  const kw = Number(raw.replace(',', '.')) * unitFactor(settings)
  // Compared in the tenant's precision, so a capacity of 1.2345 MW allows 1.235 when rounding says so.
  if (kw > capacityKw + 1e-9 || kw < -chargingKw - 1e-9) return { error: range }
  return { kw: kw === 0 ? 0 : kw }
}

export interface GridError {
  position: number
  key: string
  /** More for the message than the interval's name. */
  params?: Record<string, string>
}

/**
 * The grid form's inputs `v1`…`vN` → values in kW. A draft may leave inputs empty;
 * approving needs every one. Each error names its interval's position.
 */
export function readGrid(
  body: Record<string, unknown>,
  count: number,
  settings: Pick<GenerationSettings, 'unit' | 'precision'>,
  capacityKw: number,
  requireAll: boolean,
  chargingKw = 0,
): { values: (number | null)[]; errors: GridError[] } {
  const values: (number | null)[] = []
  const errors: GridError[] = []
  for (let position = 1; position <= count; position++) {
    const raw = body[`v${position}`]
    const text = typeof raw === 'string' ? raw.trim() : ''
    if (!text) {
      values.push(null)
      if (requireAll) errors.push({ position, key: 'generation.errors.valueRequired' })
      continue
    }
    const read = readValue(text, settings, capacityKw, chargingKw)
    if ('error' in read) {
      values.push(null)
      errors.push({ position, key: `generation.errors.${read.error}` })
    } else values.push(read.kw)
  }
  return { values, errors }
}

/** kW → the tenant's unit with its precision, as an input shows it (no grouping; the locale's decimal mark). */
export function inputValue(
  kw: number | null,
  settings: Pick<GenerationSettings, 'unit' | 'precision'>,
  decimalMark: string,
): string {
  if (kw === null || kw === undefined) return ''
  return (kw / unitFactor(settings)).toFixed(settings.precision).replace('.', decimalMark)
}

/** Two versions' values equal in the tenant's precision (what "unchanged" means for re-approving). */
export function sameValues(
  a: readonly (number | null)[],
  b: readonly (number | null)[],
  settings: Pick<GenerationSettings, 'unit' | 'precision'>,
): boolean {
  return (
    a.length === b.length &&
    a.every((v, i) => inputValue(v, settings, '.') === inputValue(b[i] ?? null, settings, '.'))
  )
}
