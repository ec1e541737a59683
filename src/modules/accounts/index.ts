import { Router } from 'express'
import type { Deps } from '../../deps.ts'
import { effectiveMinLength } from '../../platform/passwords.ts'
import { accountRoutes } from './account.routes.ts'
import { passwordResetRoutes } from './password.routes.ts'
import { registerRoutes } from './register.routes.ts'
import { sessionRoutes } from './session.routes.ts'

/** The customer accounts module: registration, sessions, password reset and the cabinet. */
export function accountsModule(deps: Deps): Router {
  const router = Router()
  router.use((_req, res, next) => {
    if (res.locals.tenant)
      res.locals.minLength = effectiveMinLength(res.locals.tenant.settings.passwordPolicy)
    next()
  })
  router.use(registerRoutes(deps), sessionRoutes(deps), passwordResetRoutes(deps), accountRoutes(deps))
  return router
}
