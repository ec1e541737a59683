import path from 'node:path'
import { Router } from 'express'
import type { KabinetModule } from '../../module.ts'
import { requireService } from '../services/index.ts'
import { marketAdminRoutes } from './admin.routes.ts'
import { bindingAdminRoutes, bindingCustomerRoutes } from './bindings.routes.ts'
import { marketCustomerRoutes, REGISTRATION } from './customer.routes.ts'
import { memberRoutes } from './member.routes.ts'
import { seedMarketDemo } from './demo.ts'
import { createMarketServices } from './services.ts'
import { marketSettings } from './settings.ts'

/**
 * Market-member registration (seed 003, issue 20): power users, generation companies and
 * retail suppliers register themselves in a wizard, and the trading centre reviews them;
 * an approved member has the market service.
 */
export const marketModule: KabinetModule = {
  name: 'market',
  owns: { tables: ['market_members', 'market_units', 'retail_bindings'] },
  service: 'market',
  catalogues: path.join(import.meta.dirname, 'locales'),
  settings: marketSettings,
  adminNav: [
    { href: '/admin/market', label: 'market.queue.title' },
    { href: '/admin/market/bindings', label: 'market.bindings.queue' },
  ],
  routes(deps) {
    const market = createMarketServices(deps)
    // The wizard comes before the guard: registering is how one comes to have the service.
    return (
      Router()
        .use(marketCustomerRoutes(deps, market))
        // Before the registrations' `/:id`: `bindings` is no registration id.
        .use(bindingAdminRoutes(deps, market), marketAdminRoutes(deps, market))
        .use('/services/market', requireService(deps, 'market', REGISTRATION))
        .use(memberRoutes(deps, market), bindingCustomerRoutes(deps, market))
    )
  },
  demo: seedMarketDemo,
}
