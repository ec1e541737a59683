import { z } from 'zod'
import { wholeNumber } from '../../http/forms.ts'
import { SERVICE_CODES } from '../../platform/tenancy/settings.ts'
import { defineModuleSettings } from '../../platform/tenancy/module-settings.ts'

/**
 * How a customer comes to have a service: every signed-in customer has it (seed 002's
 * cabinet: applications and readings), by an operator-issued token (seed 000: PGB), or
 * after staff review a request (seed 003: market membership).
 */
export const ACCESS_MODES = ['open', 'token', 'review'] as const
export type AccessMode = (typeof ACCESS_MODES)[number]

const mode = (fallback: AccessMode) =>
  z.enum(ACCESS_MODES, 'services.settings.errors.access').default(fallback)

/** The services module's part of the tenant settings. */
export const servicesSettings = defineModuleSettings({
  name: 'services',
  schema: z.object({
    /** Days an operator-issued enrolment token stays valid. */
    enrolmentDays: z
      .number('services.settings.errors.enrolmentDays')
      .int('services.settings.errors.enrolmentDays')
      .min(1, 'services.settings.errors.enrolmentDays')
      .max(90, 'services.settings.errors.enrolmentDays')
      .default(14),
    access: z
      .object({
        applications: mode('open'),
        readings: mode('open'),
        pgb: mode('token'),
        market: mode('review'),
      })
      .default({ applications: 'open', readings: 'open', pgb: 'token', market: 'review' }),
  }),
  view: 'admin/services/settings.njk',
  fromForm: (body) => ({
    enrolmentDays: wholeNumber(body.enrolmentDays),
    access: Object.fromEntries(SERVICE_CODES.map((code) => [code, body[`access_${code}`]])),
  }),
})
