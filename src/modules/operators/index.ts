import { Router } from 'express'
import type { Deps } from '../../deps.ts'
import { customerAdminRoutes } from '../accounts/admin.routes.ts'
import { tenantAdminRoutes } from '../tenants/admin.routes.ts'
import { operatorAdminRoutes } from './admin.routes.ts'
import { operatorLoginRoutes } from './login.routes.ts'

/** The staff area: sign-in with TOTP, and the admin shell that later modules add pages to. */
export function adminModule(deps: Deps): Router {
  return Router().use(
    operatorLoginRoutes(deps),
    operatorAdminRoutes(deps),
    customerAdminRoutes(deps),
    tenantAdminRoutes(deps),
  )
}
