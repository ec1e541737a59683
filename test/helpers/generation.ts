import type { agentFor } from './agent.ts'

type Agent = ReturnType<typeof agentFor>

/** A grid form as the browser posts it: every interval's input, the version it was made from. */
export function gridForm(
  values: readonly (string | number)[],
  action: 'approve' | 'draft',
  base = 0,
): Record<string, string> {
  const form: Record<string, string> = { action, base: String(base) }
  values.forEach((v, i) => (form[`v${i + 1}`] = String(v)))
  return form
}

/** Opens the day's page (for its CSRF token) and posts the grid. */
export async function postDay(agent: Agent, unitId: string, day: string, form: Record<string, string>) {
  await agent.get(`/services/pgb/units/${unitId}/days/${day}`)
  return agent.post(`/services/pgb/units/${unitId}/days/${day}`, form)
}

/** A day of 15-minute values shaped like a solar plant: zero at night, a hump at noon. */
export const solarDay = (count: number, peak: number) =>
  Array.from({ length: count }, (_, i) => {
    const hour = (i * 24) / count
    return hour < 6 || hour >= 20 ? 0 : Number((peak * Math.sin(((hour - 6) / 14) * Math.PI)).toFixed(3))
  })
