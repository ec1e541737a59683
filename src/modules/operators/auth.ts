import type { Request, RequestHandler } from 'express'
import type { Knex } from 'knex'
import { NotFoundError } from '../../platform/errors.ts'
import { freshSession, sessionCall } from '../../http/session.ts'
import type { Clock } from '../../platform/clock.ts'
import type { OperatorRow } from './repo.ts'
import { operatorById } from './service.ts'

/** Password accepted: a fresh session that is not yet signed in, waiting for the second factor. */
export async function beginOperatorLogin(
  req: Request,
  tenantId: string,
  operator: OperatorRow,
  clock: Clock,
): Promise<void> {
  await freshSession(req, tenantId, clock.now())
  req.session.pendingOperatorId = operator.id
}

/** Both factors passed: signed in on yet another new session id. */
export async function completeOperatorLogin(
  req: Request,
  tenantId: string,
  operator: OperatorRow,
  clock: Clock,
): Promise<void> {
  await freshSession(req, tenantId, clock.now())
  req.session.operatorId = operator.id
  req.session.operatorEpoch = operator.session_epoch
  await sessionCall((cb) => req.session.save(cb))
}

export async function endOperatorSession(req: Request): Promise<void> {
  await sessionCall((cb) => req.session.destroy(cb))
}

/**
 * Staff pages. Another tenant's session gets 404 (the admin area of a tenant you have no
 * role in does not exist for you); anyone else not signed in goes to the staff login.
 * `role` narrows a page to administrators.
 */
export function requireOperator(db: Knex, role?: OperatorRow['role']): RequestHandler {
  return async (req, res, next) => {
    res.set('Cache-Control', 'no-store')
    if (res.locals.foreignSession) return next(new NotFoundError('operator of another tenant'))
    const id = req.session.operatorId
    // Loaded once per request: the default guard of /admin/** and a page's own role check.
    const operator = res.locals.operator ?? (id ? await operatorById({ db }, res.locals.ctx, id) : undefined)
    if (!operator || operator.disabled_at || operator.session_epoch !== req.session.operatorEpoch) {
      return res.redirect(303, '/admin/login')
    }
    if (role && operator.role !== role) return next(new NotFoundError('administrators only'))
    res.locals.operator = operator
    res.locals.ctx.actor = { type: 'operator', id: operator.id, role: operator.role }
    next()
  }
}

/** The staff pages anyone may open: signing in, the second factor, the set-password link. */
const PUBLIC_ADMIN = /^\/(login|login\/code|totp\/setup|logout|set-password\/[^/]+)\/?$/

/**
 * Mounted on `/admin`: every staff page is for signed-in staff unless it is one of the
 * sign-in pages, so a module that forgets its guard is closed, not open.
 */
export function staffOnlyByDefault(db: Knex): RequestHandler {
  const guard = requireOperator(db)
  return (req, res, next) => (PUBLIC_ADMIN.test(req.path) ? next() : guard(req, res, next))
}
