import { z } from 'zod'
import { wholeNumber } from '../../http/forms.ts'
import { defineModuleSettings } from '../../platform/tenancy/module-settings.ts'

/** Upload limits of applications and their conversations. */
export const applicationsSettings = defineModuleSettings({
  name: 'applications',
  schema: z.object({
    maxFileMb: z
      .number()
      .int()
      .min(1, 'applications.errors.maxFileMb')
      .max(50, 'applications.errors.maxFileMb')
      .default(10),
    maxFiles: z
      .number()
      .int()
      .min(1, 'applications.errors.maxFiles')
      .max(20, 'applications.errors.maxFiles')
      .default(5),
  }),
  view: 'admin/applications/settings.njk',
  fromForm: (body) => ({
    maxFileMb: wholeNumber(body.applications_maxFileMb),
    maxFiles: wholeNumber(body.applications_maxFiles),
  }),
})
