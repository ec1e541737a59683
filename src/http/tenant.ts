import type { RequestHandler } from 'express'
import type { TenantDirectory } from '../platform/tenancy/directory.ts'
import { NotFoundError } from '../platform/errors.ts'

/** Host header → tenant from the allowlist of domains; anything else is a 404. */
export function resolveTenant(directory: TenantDirectory): RequestHandler {
  return async (req, res, next) => {
    const tenant = await directory.byHost(req.hostname)
    if (!tenant) return next(new NotFoundError(`unknown host ${req.hostname}`))
    res.locals.tenant = tenant
    next()
  }
}
