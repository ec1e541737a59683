import type { RequestHandler } from 'express'
import type { TenantDirectory } from '../platform/tenancy/directory.ts'
import { NotFoundError, TenantUnavailableError } from '../platform/errors.ts'

/** Host header → tenant from the allowlist of domains; anything else is a 404. */
export function resolveTenant(directory: TenantDirectory): RequestHandler {
  return async (req, res, next) => {
    const tenant = await directory.byHost(req.hostname)
    if (!tenant) return next(new NotFoundError(`unknown host ${req.hostname}`))
    // Nothing of a disabled tenant is shown or changed; its data stays.
    if (tenant.disabled) return next(new TenantUnavailableError(tenant.slug))
    res.locals.tenant = tenant
    next()
  }
}
