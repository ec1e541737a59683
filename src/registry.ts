import type { AdminNavEntry, KabinetModule } from './module.ts'
import type { Namespace } from './platform/i18n/index.ts'
import { PLATFORM_QUEUES } from './db/jobs.ts'
import { accountsModule } from './modules/accounts/index.ts'
import { apiModule } from './modules/api/index.ts'
import { applicationsModule } from './modules/applications/index.ts'
import { auditModule } from './modules/audit/index.ts'
import { calendarModule } from './modules/calendar/index.ts'
import { readingsModule } from './modules/readings/index.ts'
import { marketModule } from './modules/market/index.ts'
import { generationModule } from './modules/generation/index.ts'
import { operatorsModule } from './modules/operators/index.ts'
import { organisationsModule } from './modules/organisations/index.ts'
import { customerServicesOf, servicesModule } from './modules/services/index.ts'
import { tenantsModule } from './modules/tenants/index.ts'

/**
 * Every module of the portal, in mounting order. Adding a module is one line here; the
 * app, the workers, the job queues, the staff navigation, the tenant settings page, the
 * catalogues and the demo data are all assembled from this list.
 */
export const MODULES: readonly KabinetModule[] = [
  tenantsModule,
  accountsModule(customerServicesOf),
  organisationsModule,
  servicesModule,
  operatorsModule,
  auditModule,
  calendarModule,
  applicationsModule,
  generationModule,
  readingsModule,
  marketModule,
  apiModule,
]

export function moduleQueues(modules: readonly KabinetModule[] = MODULES): string[] {
  return [...PLATFORM_QUEUES, ...modules.flatMap((m) => m.queues ?? [])]
}

export function moduleNamespaces(modules: readonly KabinetModule[] = MODULES): Namespace[] {
  return modules.flatMap((m) => (m.catalogues ? [{ name: m.name, dir: m.catalogues }] : []))
}

/** Everyone's pages first, then the administrators' own, each group in module order. */
export function adminNavigation(modules: readonly KabinetModule[] = MODULES): AdminNavEntry[] {
  const entries = modules.flatMap((m) => m.adminNav ?? [])
  return [...entries.filter((e) => !e.adminOnly), ...entries.filter((e) => e.adminOnly)]
}
