import type { RequestHandler } from 'express'
import { NotFoundError } from '../../platform/errors.ts'
import { may, permissionFor } from '../../platform/representation.ts'
import type { OrganisationServices } from './service.ts'

/**
 * After the signed-in customer is loaded: a person acting for another account sees that
 * account as `res.locals.customer` (so every module serves it unchanged) and stays
 * `res.locals.person` (so profile, password and email are their own). The membership is
 * read on every request, so a removed colleague's next request is their own account's.
 */
export function resolveActing(orgs: OrganisationServices): RequestHandler {
  const guard = representationGuard()
  return async (req, res, next) => {
    const person = res.locals.customer
    const accountId = req.session?.actingFor
    if (!person || !accountId || accountId === person.id) return next()
    const acting = await orgs.acting(res.locals.ctx, person.id, accountId, res.locals.actingAccount)
    if (!acting) return next()
    res.locals.customer = acting.account
    res.locals.representation = acting.representation
    res.locals.ctx.actor = {
      ...res.locals.ctx.actor,
      account: acting.account.id,
      representation: acting.representation,
    }
    guard(req, res, next)
  }
}

/**
 * On `/services` and `/account/services`: what a representative may not do there
 * answers 404, as to a stranger. A service's pages need the permission its request needs
 * (`permissionFor`); enrolment and the account's services page are for administrators.
 */
function representationGuard(): RequestHandler {
  return (req, res, next) => {
    const rep = res.locals.representation
    const guarded = /^\/(services|account\/services)(\/|$)/.test(req.path)
    if (!rep || !guarded) return next()
    const needed = req.path.startsWith('/services')
      ? permissionFor(
          req.method,
          req.path.slice('/services'.length),
          req.body as Record<string, unknown> | undefined,
        )
      : undefined
    const allowed = needed ? may(rep, needed) : rep.role === 'administrator'
    next(allowed ? undefined : new NotFoundError('not granted to this representative'))
  }
}
