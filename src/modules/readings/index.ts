import path from 'node:path'
import { Router } from 'express'
import type { KabinetModule } from '../../module.ts'
import { requireService } from '../services/index.ts'
import { readingsAdminRoutes } from './admin.routes.ts'
import { amrRoutes } from './amr.routes.ts'
import { readingsApi } from './api.routes.ts'
import { IMPORT_QUEUE, runImport } from './imports.service.ts'
import { importRoutes } from './imports.routes.ts'
import { meterImportRoutes, requestRoutes } from './requests.routes.ts'
import { readingsCustomerRoutes } from './customer.routes.ts'
import { seedReadingsDemo } from './demo.ts'
import { createReadingsServices } from './services.ts'
import { readingsSettings } from './settings.ts'

/**
 * Meter readings and AMR data (seed 002 §6–9, issue 19): meters per tariff zone, manual
 * readings with plausibility and a reviewed way out, history with a monthly chart and
 * CSV, staff's meters, review and billing export, and AMR data on demand from the
 * tenant's head-end (the back-office simulator in development).
 */
export const readingsModule: KabinetModule = {
  name: 'readings',
  owns: {
    tables: [
      'amr_logins',
      'meters',
      'meter_readings',
      'meter_reading_values',
      'amr_intervals',
      'amr_imports',
      'meter_requests',
      'meter_imports',
    ],
    views: ['meter_reading_use'],
  },
  service: 'readings',
  assets: { scripts: ['js/modules/readings.js'], styles: ['css/modules/readings.css'] },
  catalogues: path.join(import.meta.dirname, 'locales'),
  settings: readingsSettings,
  adminNav: [
    { href: '/admin/readings', label: 'readings.period.title' },
    { href: '/admin/readings/meters', label: 'readings.meters.title' },
    { href: '/admin/readings/review', label: 'readings.review.title' },
    { href: '/admin/readings/requests', label: 'readings.requests.title' },
    { href: '/admin/readings/imports', label: 'readings.imports.title' },
  ],
  routes(deps) {
    const readings = createReadingsServices(deps)
    return Router().use('/services/readings', requireService(deps, 'readings')).use(
      amrRoutes(deps, readings),
      // Before the meters' `/:id` routes: `meters/new` is no meter id.
      requestRoutes(deps, readings),
      meterImportRoutes(deps, readings),
      readingsCustomerRoutes(deps, readings),
      readingsAdminRoutes(deps, readings),
      importRoutes(deps, readings),
    )
  },
  api: readingsApi,
  queues: [IMPORT_QUEUE],
  async start(deps) {
    await deps.boss.work<{ tenantId: string; importId: string }>(IMPORT_QUEUE, async ([job]) => {
      if (job) await runImport(deps, job.data)
    })
  },
  demo: seedReadingsDemo,
}
