import { z } from 'zod'
import { defineModuleSettings } from '../../platform/tenancy/module-settings.ts'

export const COUNTRIES = ['PL', 'RU', 'CN'] as const

/** Whose official working-day arrangement the tenant follows. */
export const calendarSettings = defineModuleSettings({
  name: 'calendar',
  schema: z.object({
    country: z.enum(COUNTRIES, 'calendar.errors.country').default('PL'),
  }),
  view: 'admin/calendar/settings.njk',
  fromForm: (body) => ({ country: body.calendar_country }),
})
