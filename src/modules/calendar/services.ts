import type { Deps } from '../../deps.ts'
import { bindServices } from '../../platform/services.ts'
import { importYear, setDay, tenantCalendar, yearSource } from './service.ts'

/** The calendar module's services, built once when the app is assembled. */
export function createCalendarServices(deps: Deps) {
  return bindServices(deps, { importYear, setDay, tenantCalendar, yearSource })
}

export type CalendarServices = ReturnType<typeof createCalendarServices>
