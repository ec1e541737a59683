import { Router } from 'express'
import type { KabinetModule } from '../../module.ts'
import { tenantAdminRoutes } from './admin.routes.ts'
import { tenantRoutes } from './customer.routes.ts'
import { createTenantServices } from './services.ts'

export { seedDemo, type DemoLogin } from './demo.ts'

/**
 * The tenant's home page and brand stylesheet, and its settings page for administrators,
 * which edits the platform's settings and every module's part.
 */
export const tenantsModule: KabinetModule = {
  name: 'tenants',
  adminNav: [{ href: '/admin/settings', label: 'admin.settings.title', adminOnly: true }],
  routes: (deps, modules) =>
    Router().use(
      tenantRoutes(),
      tenantAdminRoutes(
        deps,
        createTenantServices(deps),
        modules.flatMap((m) => (m.settings ? [m.settings] : [])),
      ),
    ),
}
