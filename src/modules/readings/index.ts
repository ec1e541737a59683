import path from 'node:path'
import type { KabinetModule } from '../../module.ts'
import { readingsCustomerRoutes } from './customer.routes.ts'
import { seedReadingsDemo } from './demo.ts'
import { readingsSettings } from './settings.ts'

/**
 * Meter readings and AMR data (seed 002 §6–9, issue 19). So far: AMR data on demand from
 * the tenant's head-end (the back-office simulator in development); meters and manual
 * readings are still to come (CONTEXT.md).
 */
export const readingsModule: KabinetModule = {
  name: 'readings',
  owns: { tables: ['amr_logins'] },
  service: 'readings',
  catalogues: path.join(import.meta.dirname, 'locales'),
  settings: readingsSettings,
  routes: (deps) => readingsCustomerRoutes(deps),
  demo: seedReadingsDemo,
}
