import { z } from 'zod'
import { defineModuleSettings } from '../../platform/tenancy/module-settings.ts'

/**
 * Where the tenant's AMR head-end answers (issue 19 item 9): empty when the tenant offers
 * no AMR data. Only http(s) addresses; the portal sends customers' AMR credentials there,
 * so only an administrator sets it, and production refuses plain http but for localhost.
 */
export const readingsSettings = defineModuleSettings({
  name: 'readings',
  schema: z.object({
    amrHeadEnd: z
      .string('readings.settings.errors.amrHeadEnd')
      .trim()
      .max(300, 'readings.settings.errors.amrHeadEnd')
      .refine((v) => v === '' || isHeadEndUrl(v), 'readings.settings.errors.amrHeadEnd')
      .default(''),
  }),
  view: 'admin/readings/settings.njk',
  fromForm: (body) => ({ amrHeadEnd: body.readings_amrHeadEnd }),
})

export type ReadingsSettings = ReturnType<typeof readingsSettings.of>

function isHeadEndUrl(value: string): boolean {
  try {
    const url = new URL(value)
    if (url.username || url.password || url.search || url.hash) return false
    if (url.protocol === 'https:') return true
    const local = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)
    return url.protocol === 'http:' && (local || process.env.NODE_ENV !== 'production')
  } catch {
    return false
  }
}
