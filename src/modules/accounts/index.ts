import { Router } from 'express'
import type { Deps } from '../../deps.ts'
import { accountRoutes } from './account.routes.ts'
import { passwordResetRoutes } from './password.routes.ts'
import { registerRoutes } from './register.routes.ts'
import { sessionRoutes } from './session.routes.ts'

/** The customer accounts module: registration, sessions, password reset and the cabinet. */
export function accountsModule(deps: Deps): Router {
  const router = Router()
  router.use(registerRoutes(deps), sessionRoutes(deps), passwordResetRoutes(deps), accountRoutes(deps))
  return router
}
