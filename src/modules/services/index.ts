import { Router } from 'express'
import type { Deps } from '../../deps.ts'
import type { CustomerServices } from '../accounts/index.ts'
import { landingPath, servicesOf } from './access.service.ts'
import { serviceAdminRoutes } from './admin.routes.ts'
import { serviceCustomerRoutes } from './customer.routes.ts'

/** Services and token enrolment (seeds 000/001): request access, tokens, My services, the guard. */
export function servicesModule(deps: Deps): Router {
  return Router().use(serviceCustomerRoutes(deps), serviceAdminRoutes(deps))
}

/** What accounts asks about a customer's services (see accounts/ports.ts). */
export function customerServicesOf(deps: Deps): CustomerServices {
  return {
    servicesOf: (ctx, customerId) => servicesOf(deps, ctx, customerId),
    landingPath: (ctx, customer) => landingPath(deps, ctx, customer),
  }
}
