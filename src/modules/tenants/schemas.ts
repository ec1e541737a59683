import { z } from 'zod'
import { contrastRatio, MIN_CONTRAST_ON_WHITE } from '../../platform/colour.ts'
import { LOCALES } from '../../platform/i18n/locales.ts'

export const SERVICE_CODES = ['applications', 'readings', 'pgb', 'market'] as const

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone })
    return zone.includes('/') || zone === 'UTC'
  } catch {
    return false
  }
}

/** Messages are i18n keys: the admin settings form shows them in the operator's language. */
export const TenantSettings = z.object({
  name: z.string().trim().min(1, 'settings.errors.nameRequired').max(120, 'settings.errors.nameTooLong'),
  defaultLocale: z.enum(LOCALES, 'settings.errors.locale'),
  timeZone: z.string().refine(isTimeZone, 'settings.errors.timeZone'),
  branding: z.object({
    primaryColour: z
      .string()
      .regex(/^#[0-9a-f]{6}$/i, 'settings.errors.colourFormat')
      .transform((c) => c.toLowerCase())
      .refine((c) => contrastRatio(c, '#ffffff') >= MIN_CONTRAST_ON_WHITE, 'settings.errors.colourContrast'),
    logoPath: z
      .string()
      .regex(/^\/public\/images\/[a-z0-9/_-]+\.(svg|png)$/, 'settings.errors.logoPath')
      .optional(),
  }),
  enabledServices: z.array(z.enum(SERVICE_CODES)).default([]),
  supportEmail: z.email('settings.errors.supportEmail'),
  publicBaseUrl: z
    .url({ protocol: /^https?$/, error: 'settings.errors.publicBaseUrl' })
    .transform((u) => u.replace(/\/+$/, '')),
})
export type TenantSettings = z.infer<typeof TenantSettings>

export interface Tenant {
  id: string
  slug: string
  settings: TenantSettings
}
