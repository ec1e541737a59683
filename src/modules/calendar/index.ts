import path from 'node:path'
import type { KabinetModule } from '../../module.ts'
import { calendarAdminRoutes } from './admin.routes.ts'
import { createCalendarServices } from './services.ts'
import { calendarSettings } from './settings.ts'

export { tenantCalendar } from './service.ts'

/**
 * The tenant's working-day calendar (business days for review deadlines and schedules):
 * its country's official years, edited and extended by the tenant's administrators.
 */
export const calendarModule: KabinetModule = {
  name: 'calendar',
  owns: { tables: ['working_calendar_years'] },
  assets: { styles: ['css/modules/calendar.css'] },
  catalogues: path.join(import.meta.dirname, 'locales'),
  adminNav: [{ href: '/admin/calendar', label: 'calendar.title', adminOnly: true }],
  settings: calendarSettings,
  routes: (deps) => calendarAdminRoutes(deps, createCalendarServices(deps)),
}
