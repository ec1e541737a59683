import { Router } from 'express'
import type { KabinetModule } from '../../module.ts'
import { operatorAdminRoutes } from './admin.routes.ts'
import { operatorLoginRoutes } from './login.routes.ts'
import { createOperatorServices } from './services.ts'

export { requireOperator, staffOnlyByDefault } from './auth.ts'

/** The staff area: sign-in with TOTP, the admin home and the tenant's staff. */
export const operatorsModule: KabinetModule = {
  name: 'operators',
  adminNav: [{ href: '/admin/operators', label: 'admin.operators.title', adminOnly: true }],
  routes(deps) {
    const operators = createOperatorServices(deps)
    return Router().use(operatorLoginRoutes(deps, operators), operatorAdminRoutes(deps, operators))
  },
}
