import type { RequestHandler } from 'express'
import type { Deps } from '../../deps.ts'
import { problem } from '../../http/api.ts'
import { NotFoundError } from '../../platform/errors.ts'
import { accessMode, servicesOf } from './access.service.ts'

type GuardDeps = Pick<Deps, 'db' | 'reference' | 'clock'>

/**
 * A service's pages: the tenant must offer it (else 404) and the signed-in customer must
 * be enrolled; a customer who is not gets a page that says how to get access — or, for a
 * service one applies for in its own module (market registration), where to apply.
 */
export function requireService(deps: GuardDeps, code: string, applyPath?: string): RequestHandler {
  return async (_req, res, next) => {
    const enabled = res.locals.tenant!.settings.enabledServices as readonly string[]
    if (!enabled.includes(code)) return next(new NotFoundError(`service ${code} not offered`))
    const customer = res.locals.customer!
    if (!(await servicesOf(deps, res.locals.ctx, customer.id)).includes(code)) {
      return res.status(403).render('customer/services/no-access', {
        service: code,
        mode: accessMode(res.locals.ctx, code),
        applyPath,
      })
    }
    res.locals.service = code
    next()
  }
}

/** The same for the API: a service the tenant does not offer is 404, one the account lacks 403, as problems. */
export function requireServiceForApi(deps: GuardDeps, code: string): RequestHandler {
  return async (_req, res, next) => {
    const enabled = res.locals.tenant!.settings.enabledServices as readonly string[]
    if (!enabled.includes(code)) return problem(res, 404, 'notFound')
    if (!(await servicesOf(deps, res.locals.ctx, res.locals.customer!.id)).includes(code))
      return problem(res, 403, 'forbidden')
    next()
  }
}
