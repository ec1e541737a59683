import express, { Router, type Request, type Response } from 'express'
import { RateLimiterRes } from 'rate-limiter-flexible'
import { withTenant } from '../../db/tenant-scope.ts'
import type { Deps } from '../../deps.ts'
import { problem, type ApiResources } from '../../http/api.ts'
import { createLimiter, type Limiter } from '../../http/rate-limit.ts'
import type { RequestContext } from '../../platform/context.ts'
import { formattersFor } from '../../platform/format.ts'
import { negotiateLocale } from '../../platform/i18n/index.ts'
import { may, type Representation } from '../../platform/representation.ts'
import { customerRow } from '../accounts/index.ts'
import { createOrganisationServices } from '../organisations/index.ts'
import { permissionsOf } from './scopes.ts'
import { usableToken, usageRecorder } from './tokens.service.ts'

/**
 * The door of `/api`: the tenant from the host as everywhere, the language from
 * `Accept-Language` only, and a bearer token — never a cookie, a session or a form, so no
 * CSRF token is needed and no browser's cookies can act here. Every answer carries the
 * rate-limit state of its key (`RateLimit-*`); a refused one says when to come back.
 */
export function apiGate(deps: Deps, largeBodies: NonNullable<ApiResources['largeBodies']> = []): Router {
  const router = Router()
  const orgs = createOrganisationServices(deps)
  // Quotas from the configuration (API_TOKEN_PER_MINUTE, API_ADDRESS_PER_MINUTE), written in the document.
  const { perToken: tokenQuota, perAddress: addressQuota } = deps.config.api
  const perToken = createLimiter(deps.pool, {
    keyPrefix: 'api:token',
    points: tokenQuota,
    durationSeconds: 60,
  })
  const perAddress = createLimiter(deps.pool, {
    keyPrefix: 'api:ip',
    points: addressQuota,
    durationSeconds: 60,
  })
  const recordUse = usageRecorder(deps, (err) => deps.logger.warn({ err }, 'API token use not recorded'))

  /** Spends a point; sets the headers either way; false when refused (the 429 is sent). */
  const spend = async (limiter: Limiter, key: string, limit: number, res: Response): Promise<boolean> => {
    let state: RateLimiterRes
    let refused = false
    try {
      state = await limiter.consume(key)
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err
      state = err
      refused = true
    }
    const reset = Math.max(1, Math.ceil(state.msBeforeNext / 1000))
    res.set({
      'RateLimit-Limit': String(limit),
      'RateLimit-Remaining': String(Math.max(0, state.remainingPoints)),
      'RateLimit-Reset': String(reset),
    })
    if (refused) {
      res.set('Retry-After', String(reset))
      problem(res, 429, 'tooMany', { params: { seconds: reset } })
    }
    return !refused
  }

  router.use((req, res, next) => {
    const tenant = res.locals.tenant!
    const locale = negotiateLocale(undefined, req.acceptsLanguages(), tenant.settings.defaultLocale)
    res.locals.locale = locale
    res.locals.t = deps.i18n.t(locale)
    res.locals.fmt = formattersFor(locale, tenant.settings.timeZone)
    res.set({
      'Cache-Control': 'no-store',
      'Content-Language': locale,
      Vary: 'Authorization, Accept-Language',
    })
    next()
  })
  // A body that is not JSON is refused before anything reads it, as pages refuse non-forms.
  router.use((req, res, next) => {
    const unsafe = !['GET', 'HEAD', 'OPTIONS'].includes(req.method)
    if (
      unsafe &&
      req.headers['content-length'] !== '0' &&
      !req.is(['application/json', 'application/*+json'])
    )
      return problem(res, 415, 'unsupportedMediaType')
    next()
  })
  const json = ['application/json', 'application/*+json']
  const small = express.json({ limit: '512kb', type: json })
  const large = express.json({ limit: '15mb', type: json })
  router.use((req, res, next) =>
    (largeBodies.some((b) => b.method === req.method && b.path.test(req.path)) ? large : small)(
      req,
      res,
      next,
    ),
  )

  router.use(async (req: Request, res: Response, next) => {
    const tenant = res.locals.tenant!
    const ctx: RequestContext = {
      tenant,
      actor: { type: 'anonymous', id: null },
      locale: res.locals.locale,
      requestId: res.locals.requestId,
      ip: req.ip,
    }
    res.locals.ctx = ctx
    const bearer = /^Bearer ([\x21-\x7e]+)$/.exec(req.get('authorization') ?? '')?.[1]
    const unauthorized = () => {
      res.set('WWW-Authenticate', 'Bearer realm="api"')
      problem(res, 401, 'unauthorized')
    }
    if (!(await spend(perAddress, `${tenant.id}:${req.ip ?? ''}`, addressQuota, res))) return
    if (!bearer) return unauthorized()
    const token = await usableToken(deps, ctx, bearer)
    if (!token) return unauthorized()
    if (!(await spend(perToken, token.id, tokenQuota, res))) return

    // The token acts with what its creator may do for the account now: a creator who has
    // lost a right takes it from the token, and one who lost the account, the token itself.
    const wanted = permissionsOf(token.scopes)
    let standing: Pick<Representation, 'role' | 'permissions' | 'via' | 'accountName'> | undefined
    let account
    if (token.created_by === token.account_id) {
      account = await withTenant(deps.db, tenant.id, (trx) => customerRow(trx, token.account_id))
      if (account?.status === 'active')
        standing = { role: 'administrator', permissions: [], via: 'membership', accountName: '' }
    } else {
      const acting = await orgs.acting(ctx, token.created_by, token.account_id)
      account = acting?.account
      standing = acting?.representation
    }
    if (!standing || !account) return unauthorized()
    const permissions = wanted.filter((p) => may(standing, p))
    ctx.actor = {
      type: 'customer',
      id: token.created_by,
      account: token.account_id,
      representation: {
        accountId: token.account_id,
        accountName: standing.accountName,
        role: 'colleague',
        permissions,
        via: standing.via,
      },
    }
    res.locals.customer = account
    res.locals.apiToken = token
    res.on('finish', () => recordUse(ctx, token))
    next()
  })
  return router
}
