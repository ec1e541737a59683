import path from 'node:path'
import { Router } from 'express'
import type { Deps } from '../../deps.ts'
import type { KabinetModule } from '../../module.ts'
import type { CustomerServices } from '../accounts/index.ts'
import { landingPath, servicesOf } from './access.service.ts'
export { grantService } from './access.service.ts'
import { serviceAdminRoutes } from './admin.routes.ts'
import { serviceCustomerRoutes } from './customer.routes.ts'
import { seedServicesDemo } from './demo.ts'
import { createServiceServices } from './services.ts'
import { servicesSettings } from './settings.ts'

export { requireService, requireServiceForApi } from './guard.ts'
export { enrolmentEmails, findEnrolment, pendingEnrolmentFor } from './repo.ts'

/** Services and token enrolment (seeds 000/001): request access, tokens, My services, the guard. */
export const servicesModule: KabinetModule = {
  name: 'services',
  owns: { tables: ['enrolments', 'customer_services', 'access_requests'], views: ['enrolment_directory'] },
  catalogues: path.join(import.meta.dirname, 'locales'),
  adminNav: [
    { href: '/admin/access-requests', label: 'admin.requests.title' },
    { href: '/admin/enrolments', label: 'admin.enrolments.title' },
  ],
  settings: servicesSettings,
  routes(deps, modules) {
    const services = createServiceServices(deps)
    return Router().use(serviceCustomerRoutes(deps, services, modules), serviceAdminRoutes(deps, services))
  },
  demo: seedServicesDemo,
}

/** What accounts asks about a customer's services (see accounts/ports.ts). */
export function customerServicesOf(deps: Deps): CustomerServices {
  return {
    servicesOf: (ctx, customerId) => servicesOf(deps, ctx, customerId),
    landingPath: (ctx, customer) => landingPath(deps, ctx, customer),
  }
}
