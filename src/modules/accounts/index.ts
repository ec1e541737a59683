import path from 'node:path'
import { Router } from 'express'
import type { Deps } from '../../deps.ts'
import type { KabinetModule } from '../../module.ts'
import { accountRoutes } from './account.routes.ts'
import { seedAccountsDemo } from './demo.ts'
import { customerAdminRoutes } from './admin.routes.ts'
import { passwordResetRoutes } from './password.routes.ts'
import { startPasswordResetWorker } from './password.service.ts'
import type { CustomerServices } from './ports.ts'
import { schedulePendingPurge } from './purge.ts'
import { ACCOUNT_QUEUES } from './queues.ts'
import { registerRoutes } from './register.routes.ts'
import { sessionRoutes } from './session.routes.ts'
import { twoStepRoutes } from './two-step.routes.ts'
import { createAccountServices } from './services.ts'

export {
  createActivePerson,
  createEnrolledCustomer,
  customerContact,
  customerContacts,
  customerEmails,
  customerRow,
  customerExists,
  emailCustomer,
  findCustomerByEmail,
  setDefaultService,
  type CustomerContact,
} from './api.ts'
export { displayName } from './profile.service.ts'
export type { CustomerServices } from './ports.ts'
export type { CustomerRow } from './repo.ts'
export { customersOnlyByDefault, loadCustomer, requireCustomer } from './session.ts'

/**
 * The customer accounts module: registration, sessions, password reset, the cabinet, and
 * staff's customer pages. What it needs to know of a customer's services comes through
 * the port, filled by the services module when the registry is assembled.
 */
export function accountsModule(servicesPort: (deps: Deps) => CustomerServices): KabinetModule {
  return {
    name: 'accounts',
    owns: {
      tables: ['customers', 'account_tokens', 'customer_recovery_codes'],
      views: ['customer_directory'],
    },
    catalogues: path.join(import.meta.dirname, 'locales'),
    queues: Object.values(ACCOUNT_QUEUES),
    adminNav: [{ href: '/admin/customers', label: 'admin.customers.title' }],
    demo: seedAccountsDemo,
    routes(deps) {
      const accounts = createAccountServices(deps)
      const services = servicesPort(deps)
      return Router().use(
        registerRoutes(deps, accounts),
        sessionRoutes(deps, accounts, services),
        twoStepRoutes(deps, accounts, services),
        passwordResetRoutes(deps, accounts),
        accountRoutes(deps, accounts, services),
        customerAdminRoutes(deps, accounts, services),
      )
    },
    async start(deps) {
      await schedulePendingPurge(deps.boss, deps.db, deps.clock, deps.logger)
      await startPasswordResetWorker(deps, deps.boss)
    },
  }
}
