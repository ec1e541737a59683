import { Router, type Request, type Response } from 'express'
import type { Deps } from '../../deps.ts'
import { flash } from '../../http/flash.ts'
import { formText, renderInvalid, type FieldError } from '../../http/forms.ts'
import { createCredentialThrottle } from '../../http/rate-limit.ts'
import { NotFoundError } from '../../platform/errors.ts'
import {
  httpMeteringPointSource,
  queryFailure,
  type MeteringPoint,
  type MeteringPointSource,
} from './points.ts'
import type { Registration } from './registration.service.ts'
import type { MarketServices } from './services.ts'
import { marketSettings } from './settings.ts'
import type { WizardHelpers } from './units.routes.ts'

declare module 'express-session' {
  interface SessionData {
    /** The last metering-point query's answer (never its password), until units are generated from it. */
    marketPoints: { account: string; customer: string; points: MeteringPoint[] }
  }
}

const QUERY = '/services/market/registration/units/query'
const GENERATE = '/services/market/registration/units/generate'
/** Printable characters only: an account number or a password is one line. */
const ONE_LINE = /^[^\p{Cc}]*$/u

/** The points of a listing, each once, in the order first listed, with how often it was listed. */
function distinct(points: readonly MeteringPoint[]): (MeteringPoint & { listed: number })[] {
  const seen = new Map<string, MeteringPoint & { listed: number }>()
  for (const p of points) {
    const known = seen.get(p.code)
    if (known) known.listed += 1
    else seen.set(p.code, { ...p, listed: 1 })
  }
  return [...seen.values()]
}

/**
 * Consumption units from the utility's metering points (seed 003, issue 20 item 4): the
 * power user gives the account number and its query password; the portal asks the
 * tenant's customer system for this one request (the password is never stored, logged
 * or shown again); the applicant selects points and generates units, duplicates merged.
 */
export function pointRoutes(
  deps: Deps,
  market: MarketServices,
  wizard: WizardHelpers,
  sourceFor: (base: string) => MeteringPointSource = (base) => httpMeteringPointSource(base),
): Router {
  const router = Router()
  const throttle = createCredentialThrottle(deps.pool, 'market-points')
  /** The applicant's registration, if it may take consumption units now and the tenant has a customer system. */
  const applicable = async (res: Response): Promise<Registration> => {
    const registration = await wizard.own(res)
    const system = marketSettings.of(res.locals.tenant!).customerSystem
    if (
      !system ||
      registration.member.member_type !== 'power_user' ||
      !wizard.common(registration).editable('units')
    )
      throw new NotFoundError('metering-point query')
    return registration
  }
  const locals = (registration: Registration) => ({ ...wizard.common(registration), step: 'units' })

  router.get(QUERY, async (req, res) => {
    const registration = await applicable(res)
    const last = req.session.marketPoints
    res.render('customer/market/points', {
      ...locals(registration),
      values: { account: last?.account ?? '' },
      result: last ? { ...last, points: distinct(last.points) } : undefined,
      units: new Set(registration.units.map((u) => u.metering_point)),
    })
  })

  router.post(QUERY, async (req: Request, res: Response) => {
    const registration = await applicable(res)
    const account = formText(req, 'account').trim()
    const password = formText(req, 'password')
    const t = res.locals.t
    const errors: FieldError[] = []
    const error = (field: string, key: string) => errors.push({ field, text: t(key), href: `#${field}` })
    if (!/^[0-9A-Za-z-]{4,40}$/.test(account)) error('account', 'market.points.errors.account')
    if (!password) error('password', 'market.points.errors.passwordMissing')
    else if (password.length > 100 || !ONE_LINE.test(password))
      error('password', 'market.points.errors.password')
    const view = 'customer/market/points'
    const values = { account }
    if (errors.length) return renderInvalid(res, view, errors, values, locals(registration))

    const tried = await throttle.attempt(`${res.locals.ctx.tenant.id}:${account}`, req.ip ?? '')
    try {
      const found = await sourceFor(marketSettings.of(res.locals.tenant!).customerSystem).query(
        account,
        password,
      )
      await tried.succeeded()
      req.session.marketPoints = { account, ...found }
      res.redirect(303, QUERY)
    } catch (err) {
      const failure = queryFailure(err)
      if (!failure) throw err
      if (failure === 'login') {
        error('password', 'market.points.errors.login')
        return renderInvalid(res, view, errors, values, locals(registration))
      }
      // Nothing the applicant typed is wrong: the utility's system is down or sent nonsense.
      error('account', `market.points.errors.${failure}`)
      res.status(503).render(view, { ...locals(registration), values, errors })
    }
  })

  router.post(GENERATE, async (req, res) => {
    const registration = await applicable(res)
    const last = req.session.marketPoints
    const posted = (req.body as { points?: unknown } | undefined)?.points
    const chosen = new Set([posted ?? []].flat().filter((v): v is string => typeof v === 'string'))
    const selected = (last?.points ?? []).filter((p) => chosen.has(p.code))
    if (!last || selected.length === 0) {
      const text = res.locals.t('market.points.errors.select')
      return renderInvalid(
        res,
        'customer/market/points',
        [{ field: 'points', text, href: '#points' }],
        {},
        {
          ...locals(registration),
          result: last ? { ...last, points: distinct(last.points) } : undefined,
          units: new Set(registration.units.map((u) => u.metering_point)),
        },
      )
    }
    const { added, merged } = await market.addConsumptionUnits(
      res.locals.ctx,
      res.locals.customer!.id,
      selected.map((p) => ({
        name: p.name,
        meteringPoint: p.code,
        address: p.address,
        voltageLevel: p.voltageLevel,
        utilityAccount: last.account,
      })),
    )
    delete req.session.marketPoints
    flash(req, {
      key: merged.length ? 'market.points.generatedMerged' : 'market.points.generated',
      params: { count: String(added.length), points: [...new Set(merged)].join(', ') },
    })
    res.redirect(303, '/services/market/registration/units')
  })
  return router
}
