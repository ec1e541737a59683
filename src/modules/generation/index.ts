import path from 'node:path'
import { generationApi } from './api.routes.ts'
import { Router } from 'express'
import type { KabinetModule } from '../../module.ts'
import { generationAdminRoutes } from './admin.routes.ts'
import { unitAdminRoutes } from './units.routes.ts'
import { availabilityRoutes } from './availability.routes.ts'
import { generationCustomerRoutes } from './customer.routes.ts'
import { seedGenerationDemo } from './demo.ts'
import { REMINDER_CRON, REMINDER_QUEUE, remindAllTenants } from './reminders.ts'
import { scheduleSweep } from '../../platform/jobs.ts'
import { listTenants } from '../../platform/tenancy/repo.ts'
import { createGenerationServices } from './services.ts'
import { generationSettings } from './settings.ts'
import { claimUnitsOfEnrolment } from './units.service.ts'
import { IMPORT_SWEEP } from './transfer.service.ts'

/**
 * Generation planning (PGB, seeds 000/001 step 7): generating units, daily production
 * schedules on the tenant's market time unit with DST-correct days, versions with
 * approval and comparison, gate closure, spreadsheet import and export, reminders, and
 * the operators' day overview.
 */
export const generationModule: KabinetModule = {
  name: 'generation',
  owns: {
    tables: [
      'generating_units',
      'schedules',
      'schedule_versions',
      'schedule_imports',
      'schedule_reminders',
      'unit_availability',
    ],
  },
  service: 'pgb',
  api: generationApi,
  assets: { scripts: ['js/modules/generation.js'], styles: ['css/modules/generation.css'] },
  catalogues: path.join(import.meta.dirname, 'locales'),
  queues: [REMINDER_QUEUE, IMPORT_SWEEP.queue],
  settings: generationSettings,
  adminNav: [
    { href: '/admin/generation', label: 'generation.overview.title' },
    { href: '/admin/generation/units', label: 'generation.units.title' },
  ],
  routes(deps) {
    const generation = createGenerationServices(deps)
    return Router().use(
      generationCustomerRoutes(deps, generation),
      availabilityRoutes(deps, generation),
      generationAdminRoutes(deps, generation),
      unitAdminRoutes(deps, generation),
    )
  },
  subscribe(deps) {
    deps.events.on('enrolment.redeemed', 'generation', claimUnitsOfEnrolment)
  },
  async start(deps) {
    await deps.boss.schedule(REMINDER_QUEUE, REMINDER_CRON)
    await deps.boss.work(REMINDER_QUEUE, async () => {
      const sent = await remindAllTenants(deps)
      if (sent) deps.logger.info({ sent }, 'sent schedule reminders')
    })
    await scheduleSweep(
      deps.boss,
      IMPORT_SWEEP,
      deps.db,
      () => deps.clock.now(),
      async () => (await listTenants(deps.db)).map((t) => t.id),
    )
  },
  demo: seedGenerationDemo,
}
