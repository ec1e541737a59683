import { Router } from 'express'
import type { Deps } from '../../deps.ts'
import { tenantAdminRoutes } from './admin.routes.ts'
import { tenantRoutes } from './customer.routes.ts'

/** The tenant's home page and brand stylesheet, and its settings page for administrators. */
export function tenantsModule(deps: Deps): Router {
  return Router().use(tenantRoutes(), tenantAdminRoutes(deps))
}
