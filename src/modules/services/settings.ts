import { z } from 'zod'
import { defineModuleSettings } from '../../platform/tenancy/module-settings.ts'

const wholeNumber = (v: unknown) => (typeof v === 'string' && /^\d{1,3}$/.test(v.trim()) ? Number(v) : NaN)

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
  }),
  view: 'admin/services/settings.njk',
  fromForm: (body) => ({ enrolmentDays: wholeNumber(body.enrolmentDays) }),
})
