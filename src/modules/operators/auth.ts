import type { Request, RequestHandler } from 'express'
import { NotFoundError } from '../../platform/errors.ts'
import { freshSession, sessionCall } from '../../http/session.ts'
import type { Clock } from '../../platform/clock.ts'
import type { OperatorRow } from './repo.ts'
import { signedInOperator, type OperatorsDeps } from './service.ts'

/** What the staff guards need: the database and the kept signed-in staff. */
type SignedInDeps = Pick<OperatorsDeps, 'db' | 'reference' | 'clock'>

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
export function requireOperator(deps: SignedInDeps, role?: OperatorRow['role']): RequestHandler {
  return async (req, res, next) => {
    res.set('Cache-Control', 'no-store')
    if (res.locals.foreignSession) return next(new NotFoundError('operator of another tenant'))
    const id = req.session.operatorId
    const valid = (o: OperatorRow | undefined) =>
      !!o && !o.disabled_at && o.session_epoch === req.session.operatorEpoch
    // Loaded once per request: the default guard of /admin/** and a page's own role check.
    let operator = res.locals.operator ?? (id ? await signedInOperator(deps, res.locals.ctx, id) : undefined)
    // A kept row that would sign them out is read again first (see the customers' twin):
    // a stale copy must never end a session.
    if (id && !valid(operator)) operator = await signedInOperator(deps, res.locals.ctx, id, { reread: true })
    if (!operator || !valid(operator)) {
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
export function staffOnlyByDefault(deps: SignedInDeps): RequestHandler {
  const guard = requireOperator(deps)
  return (req, res, next) => (PUBLIC_ADMIN.test(req.path) ? next() : guard(req, res, next))
}
