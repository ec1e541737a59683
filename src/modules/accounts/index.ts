import { Router } from 'express'
import type { Deps } from '../../deps.ts'
import { accountRoutes } from './account.routes.ts'
import { customerAdminRoutes } from './admin.routes.ts'
import { passwordResetRoutes } from './password.routes.ts'
import type { CustomerServices } from './ports.ts'
import { registerRoutes } from './register.routes.ts'
import { sessionRoutes } from './session.routes.ts'

export { createEnrolledCustomer, customerExists, findCustomerByEmail, setDefaultService } from './api.ts'
export type { CustomerServices } from './ports.ts'
export type { CustomerRow } from './repo.ts'
export { customersOnlyByDefault, loadCustomer, requireCustomer } from './session.ts'

/** The customer accounts module: registration, sessions, password reset, the cabinet, and staff's customer pages. */
export function accountsModule(deps: Deps, services: CustomerServices): Router {
  return Router().use(
    registerRoutes(deps),
    sessionRoutes(deps, services),
    passwordResetRoutes(deps),
    accountRoutes(deps, services),
    customerAdminRoutes(deps, services),
  )
}
