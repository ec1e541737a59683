import path from 'node:path'
import { applicationsApi } from './api.routes.ts'
import { Router } from 'express'
import type { KabinetModule } from '../../module.ts'
import { applicationAdminRoutes } from './admin.routes.ts'
import { mailUnreadForAllTenants } from './chat.service.ts'
import { applicationCustomerRoutes } from './customer.routes.ts'
import { seedApplicationsDemo } from './demo.ts'
import { APPLICATION_QUEUES } from './queues.ts'
import { sendReceipt, type ReceiptJob } from './receipt.service.ts'
import { createApplicationServices } from './services.ts'
import { applicationsSettings } from './settings.ts'
import { remindToCompleteForAllTenants } from './reminders.ts'
import { applicationViewHelpers } from './view-helpers.ts'

/**
 * Applications (seed 002 "Заявки", seed 004): versioned types per tenant, submission with
 * gapless numbers and business-day review dates, the TP workflow with an email on every
 * change, a live conversation with files per application, and the standard forms library.
 */
export const applicationsModule: KabinetModule = {
  name: 'applications',
  owns: {
    tables: [
      'applications',
      'application_types',
      'application_counters',
      'application_messages',
      'application_notes',
      'application_acceptances',
      'application_receipts',
      'standard_forms',
    ],
  },
  service: 'applications',
  assets: { scripts: ['js/modules/applications.js'], styles: ['css/modules/applications.css'] },
  catalogues: path.join(import.meta.dirname, 'locales'),
  viewHelpers: applicationViewHelpers,
  queues: Object.values(APPLICATION_QUEUES),
  settings: applicationsSettings,
  adminNav: [
    { href: '/admin/applications', label: 'applications.queue.title' },
    { href: '/admin/application-types', label: 'applications.types.title', adminOnly: true },
    { href: '/admin/standard-forms', label: 'applications.library.title', adminOnly: true },
  ],
  api: applicationsApi,
  routes(deps) {
    const applications = createApplicationServices(deps)
    return Router().use(
      applicationCustomerRoutes(deps, applications),
      applicationAdminRoutes(deps, applications),
    )
  },
  async start(deps) {
    // Every minute: conversations whose messages have waited unread for ten minutes.
    await deps.boss.schedule(APPLICATION_QUEUES.unreadMessages, '* * * * *')
    await deps.boss.work(APPLICATION_QUEUES.unreadMessages, async () => {
      const sent = await mailUnreadForAllTenants(deps)
      if (sent) deps.logger.info({ sent }, 'emailed unread application messages')
    })
    // Each submission's receipt and email, queued by the submission's own transaction.
    await deps.boss.work<ReceiptJob>(APPLICATION_QUEUES.receipts, async ([job]) => {
      if (job) await sendReceipt(deps, job.data)
    })
    // Hourly: requests to complete whose day is two working days away.
    await deps.boss.schedule(APPLICATION_QUEUES.completeReminders, '17 * * * *')
    await deps.boss.work(APPLICATION_QUEUES.completeReminders, async () => {
      const sent = await remindToCompleteForAllTenants(deps)
      if (sent) deps.logger.info({ sent }, 'reminded customers to complete returned applications')
    })
  },
  demo: seedApplicationsDemo,
}
