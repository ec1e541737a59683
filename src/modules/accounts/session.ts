import type { Request, RequestHandler } from 'express'
import type { SessionData } from 'express-session'
import type { Knex } from 'knex'
import type { CustomerRow } from './repo.ts'
import type { Clock } from '../../platform/clock.ts'
import type { RequestContext } from '../../platform/context.ts'
import type { DomainEvents } from '../../platform/events.ts'
import { withTenant } from '../../db/tenant-scope.ts'
import { freshSession, sessionCall } from '../../http/session.ts'
import { displayName, setPreferredLocale, signedInCustomers } from './profile.service.ts'
import type { ReferenceCache } from '../../platform/tenancy/reference-cache.ts'
import { formattersFor } from '../../platform/format.ts'
import type { I18n } from '../../platform/i18n/index.ts'
import type { CustomerServices } from './ports.ts'
import { twoStepMissing } from './two-step.service.ts'
import { isLocale } from '../../platform/i18n/locales.ts'

declare module 'express-session' {
  interface SessionData {
    customerId: string
    epoch: number
    authAt: number
    /** A login to fill in on the next sign-in page (after creating an account elsewhere). */
    loginPrefill: string
    /** Password accepted, two-step sign-in still to come: who, since when, and where to go after. */
    pendingCustomerId: string
    pendingCustomerAt: number
    pendingCustomerNext: string
    /** A customer's authenticator secret being set up, kept here until a code from it is confirmed. */
    customerTotpSecret: string
    /**
     * The account the person chose to act for, when not their own (organisations' switcher,
     * which also decides on every request whether they still may).
     */
    actingFor: string
  }
}

/** How long a password, once accepted, waits for its second step. */
const PENDING_SIGN_IN_MS = 10 * 60_000

/**
 * The password was right and the person uses (or must set up) two-step sign-in: a fresh
 * session that is not signed in yet, only waiting a few minutes for the second step.
 */
export async function beginTwoStepSignIn(
  req: Request,
  tenantId: string,
  customer: CustomerRow,
  clock: Clock,
  next: string,
): Promise<void> {
  const now = clock.now()
  await freshSession(req, tenantId, now)
  req.session.pendingCustomerId = customer.id
  req.session.pendingCustomerAt = now.getTime()
  req.session.pendingCustomerNext = next
  await sessionCall((cb) => req.session.save(cb))
}

/** The person whose password was accepted a moment ago, if still waiting for the second step. */
export function pendingSignIn(req: Request, clock: Clock): string | undefined {
  const { pendingCustomerId: id, pendingCustomerAt: at } = req.session
  if (!id || !at || clock.now().getTime() - at > PENDING_SIGN_IN_MS) return undefined
  return id
}

/**
 * Signs a customer in on a brand-new session id (the old, anonymous one is destroyed,
 * so a fixated cookie is worthless); the CSRF token is renewed with it.
 */
export async function signIn(
  req: Request,
  tenantId: string,
  customer: CustomerRow,
  clock: Clock,
  kept: Partial<SessionData> = {},
): Promise<void> {
  const now = clock.now()
  await freshSession(req, tenantId, now)
  Object.assign(req.session, kept)
  delete req.session.pendingCustomerId
  req.session.authAt = now.getTime()
  req.session.customerId = customer.id
  req.session.epoch = customer.session_epoch
  await sessionCall((cb) => req.session.save(cb))
}

/** What other modules keep in a customer's new session (the `customer.signingIn` event). */
async function keptAtSignIn(
  deps: { db: Knex; events: DomainEvents },
  ctx: RequestContext,
  customerId: string,
): Promise<Partial<SessionData>> {
  const kept: Partial<SessionData> = {}
  await withTenant(deps.db, ctx.tenant.id, (trx) =>
    deps.events.emit(trx, ctx, 'customer.signingIn', {
      customerId,
      keep: (fields) => void Object.assign(kept, fields),
    }),
  )
  return kept
}

export async function signOut(req: Request): Promise<void> {
  await sessionCall((cb) => req.session.destroy(cb))
}

/**
 * Loads the signed-in customer. A session whose customer is gone, disabled, or whose
 * epoch is older than the customer's (password changed, "sign out other sessions") is
 * treated as signed out.
 */
export function loadCustomer(deps: {
  db: Knex
  reference: ReferenceCache
  clock: Clock
  i18n: I18n
}): RequestHandler {
  const { i18n } = deps
  return async (req, res, next) => {
    const id = req.session.customerId
    const tenant = res.locals.tenant
    if (!id || !tenant) return next()
    // The account the person acts for is kept the same way: acting costs no round trip of its own.
    const acting = req.session.actingFor
    const ids = acting ? [id, acting] : [id]
    const valid = (c: CustomerRow | undefined) =>
      c?.status === 'active' && c.session_epoch === req.session.epoch
    let rows = await signedInCustomers(deps, res.locals.ctx, ids)
    // A kept row that would sign the person out is read again first: the session may be
    // newer than what this process has heard (a password changed through another one a
    // moment ago), and a stale copy must never end a session.
    if (!valid(rows.find((c) => c.id === id)))
      rows = await signedInCustomers(deps, res.locals.ctx, ids, { reread: true })
    const customer = rows.find((c) => c.id === id)
    res.locals.actingAccount = acting && acting !== id ? rows.find((c) => c.id === acting) : undefined
    if (!customer || !valid(customer)) {
      await sessionCall((cb) => req.session.regenerate(cb))
      return next()
    }
    res.locals.customer = customer
    res.locals.person = customer
    res.locals.ctx.actor = { type: 'customer', id: customer.id }
    res.locals.customerName = displayName(customer)
    // A signed-in customer's language is the profile's: the header's language links change
    // the profile too, so a cookie left by an earlier visit does not win over it.
    const chosen = req.query.lang
    if (isLocale(chosen) && chosen !== customer.preferred_locale) {
      await setPreferredLocale(deps, res.locals.ctx, customer.id, chosen)
      customer.preferred_locale = chosen
    }
    if (isLocale(customer.preferred_locale) && customer.preferred_locale !== res.locals.locale) {
      res.locals.locale = customer.preferred_locale
      res.locals.t = i18n.t(customer.preferred_locale)
      res.locals.fmt = formattersFor(customer.preferred_locale, tenant.settings.timeZone)
      res.locals.ctx.locale = customer.preferred_locale
    }
    next()
  }
}

/**
 * Customer-only pages: anonymous visitors go to the login page (and come back after);
 * a customer who must replace an emailed password goes nowhere else first.
 */
export function requireCustomer(): RequestHandler {
  return (req, res, next) => {
    res.set('Cache-Control', 'no-store')
    const customer = res.locals.person
    if (!customer) return res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`)
    const path = `${req.baseUrl}${req.path}`
    if (customer.must_change_password && path !== '/account/password')
      return res.redirect(303, '/account/password')
    // Signed in before the tenant began to require two-step sign-in: set it up first.
    if (twoStepMissing(res.locals.ctx, customer) && path !== '/account/two-step')
      return res.redirect(303, '/account/two-step')
    next()
  }
}

/** The customer pages anyone may open: the link that confirms a new email address. */
const PUBLIC_ACCOUNT = /^\/email\/confirm\/[^/]+\/?$/

/**
 * Mounted on `/account`, `/cabinet` and `/services`: every customer page is for signed-in customers
 * unless listed above, so a module that forgets its guard is closed, not open.
 */
export function customersOnlyByDefault(): RequestHandler {
  const guard = requireCustomer()
  return (req, res, next) => (PUBLIC_ACCOUNT.test(req.path) ? next() : guard(req, res, next))
}

/**
 * Both steps passed (or the only one): signed in on a new session id, with what other modules
 * keep. Returns where to go: the password page when one must be chosen, the page asked
 * for, else back to acting for the account last chosen, else the person's first service.
 */
export async function completeSignIn(
  deps: { db: Knex; events: DomainEvents; clock: Clock },
  services: CustomerServices,
  req: Request,
  ctx: RequestContext,
  customer: CustomerRow,
  next: string,
): Promise<string> {
  const kept = await keptAtSignIn(deps, ctx, customer.id)
  await signIn(req, ctx.tenant.id, customer, deps.clock, kept)
  if (customer.must_change_password) return '/account/password'
  return next || (Object.keys(kept).length ? '/cabinet' : await services.landingPath(ctx, customer))
}
