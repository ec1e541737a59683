import { Router } from 'express'
import type { Deps } from '../../deps.ts'
import { serviceAdminRoutes } from './admin.routes.ts'
import { serviceCustomerRoutes } from './customer.routes.ts'

/** Services and token enrolment (seeds 000/001): request access, tokens, My services, the guard. */
export function servicesModule(deps: Deps): Router {
  return Router().use(serviceCustomerRoutes(deps), serviceAdminRoutes(deps))
}
