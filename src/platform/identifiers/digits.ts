/** The digits of a string, or undefined when anything else is left after removing separators. */
export function digitsOf(value: string, separators = /[\s-]/g): number[] | undefined {
  const clean = value.replace(separators, '')
  return /^\d+$/.test(clean) ? [...clean].map(Number) : undefined
}

export function weightedSum(digits: readonly number[], weights: readonly number[]): number {
  return weights.reduce((sum, w, i) => sum + w * (digits[i] ?? 0), 0)
}
