import type { Router } from 'express'
import type { Deps } from '../../deps.ts'
import { auditAdminRoutes } from './admin.routes.ts'

/** The tenant's audit log page (administrators). */
export function auditModule(deps: Deps): Router {
  return auditAdminRoutes(deps)
}
