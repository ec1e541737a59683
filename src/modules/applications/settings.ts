import { z } from 'zod'
import { wholeNumber } from '../../http/forms.ts'
import { defineModuleSettings } from '../../platform/tenancy/module-settings.ts'

const whole = (min: number, max: number, message: string, fallback: number) =>
  z.number(message).int(message).min(min, message).max(max, message).default(fallback)

/** Upload limits of applications and their conversations. */
export const applicationsSettings = defineModuleSettings({
  name: 'applications',
  schema: z.object({
    maxFileMb: whole(1, 50, 'applications.errors.maxFileMb', 10),
    maxFiles: whole(1, 20, 'applications.errors.maxFiles', 5),
  }),
  view: 'admin/applications/settings.njk',
  fromForm: (body) => ({
    maxFileMb: wholeNumber(body.applications_maxFileMb),
    maxFiles: wholeNumber(body.applications_maxFiles),
  }),
})
