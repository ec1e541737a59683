import { Router } from 'express'
import type { Deps } from '../../deps.ts'
import { operatorAdminRoutes } from './admin.routes.ts'
import { operatorLoginRoutes } from './login.routes.ts'

export { requireOperator, staffOnlyByDefault } from './auth.ts'

/** The staff area: sign-in with TOTP, the admin home and the tenant's staff. */
export function adminModule(deps: Deps): Router {
  return Router().use(operatorLoginRoutes(deps), operatorAdminRoutes(deps))
}
