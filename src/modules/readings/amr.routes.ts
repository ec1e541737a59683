import { Router, type Request, type Response } from 'express'
import type { Deps } from '../../deps.ts'
import { contentDisposition } from '../../http/download.ts'
import { formText, renderInvalid, type FieldError } from '../../http/forms.ts'
import { createCredentialThrottle } from '../../http/rate-limit.ts'
import { stepChart } from '../../platform/chart.ts'
import { csvDelimiter, writeCsv } from '../../platform/csv.ts'
import { addDays, dayOf, isRealDay } from '../../platform/time/intervals.ts'
import { AMR_CHANNELS, amrCsvColumns, amrDay, rememberAmrLogin, rememberedAmrLogin } from './amr.service.ts'
import type { ReadingsServices } from './services.ts'
import { readingsSettings } from './settings.ts'

const BASE = '/services/readings'
const VIEW = 'customer/readings/amr'
/** Printable characters only: an AMR id or password is one line. */
const ONE_LINE = /^[^\p{Cc}]*$/u

/**
 * AMR data on demand (seed 002 §9, issue 19 item 8): the AMR
 * user id and password go to the tenant's head-end for this one request and are dropped:
 * never stored, logged, queued or shown again.
 */
export function amrRoutes(deps: Deps, readings: ReadingsServices): Router {
  const router = Router()
  const throttle = createCredentialThrottle(deps.pool, 'amr')
  const page = (res: Response) => {
    const ctx = res.locals.ctx
    const today = dayOf(deps.clock.now(), ctx.tenant.settings.timeZone)
    return { offered: readingsSettings.of(ctx.tenant).amrHeadEnd !== '', today, channels: AMR_CHANNELS }
  }

  router.get(`${BASE}/amr`, async (_req, res) => {
    const locals = page(res)
    const remembered = locals.offered
      ? await rememberedAmrLogin(deps, res.locals.ctx, res.locals.customer!.id)
      : undefined
    res.render(VIEW, {
      ...locals,
      values: { day: addDays(locals.today, -1), amrLogin: remembered, remember: remembered ? ['yes'] : [] },
    })
  })

  router.post(`${BASE}/amr`, async (req: Request, res: Response) => {
    const locals = page(res)
    if (!locals.offered) return void res.status(404).render('errors/404')
    const login = formText(req, 'amrLogin').trim()
    const password = formText(req, 'amrPassword')
    const day = formText(req, 'day').trim()
    const remember = formText(req, 'remember') === 'yes'
    const t = res.locals.t
    const errors: FieldError[] = []
    const error = (field: string, key: string) => errors.push({ field, text: t(key), href: `#${field}` })
    if (!login) error('amrLogin', 'readings.amr.errors.loginMissing')
    else if (login.length > 100 || !ONE_LINE.test(login))
      error('amrLogin', 'readings.amr.errors.loginInvalid')
    if (!password) error('amrPassword', 'readings.amr.errors.passwordMissing')
    else if (password.length > 200 || !ONE_LINE.test(password))
      error('amrPassword', 'readings.amr.errors.passwordInvalid')
    if (!isRealDay(day)) error('day', 'readings.amr.errors.day')
    else if (day > locals.today) error('day', 'readings.amr.errors.dayFuture')
    const values = { amrLogin: login, day, remember: remember ? ['yes'] : [] }
    if (errors.length) return renderInvalid(res, VIEW, errors, values, locals)

    const tried = await throttle.attempt(`${res.locals.ctx.tenant.id}:${login}`, req.ip ?? '')
    const result = await amrDay(res.locals.ctx, { login, password }, day)
    if (!('failure' in result)) {
      await tried.succeeded()
      await readings.keepFetchedDay(res.locals.ctx, result.day, result.intervals)
      // Only an id the head-end accepted is worth remembering.
      await rememberAmrLogin(deps, res.locals.ctx, res.locals.customer!.id, remember ? login : null)
      if (formText(req, 'action') === 'csv') {
        const locale = res.locals.locale
        res.set({
          'Content-Type': 'text/csv; charset=utf-8',
          'Content-Disposition': contentDisposition(`amr-${result.day}.csv`),
          'X-Content-Type-Options': 'nosniff',
          'Cache-Control': 'no-store',
        })
        const columns = amrCsvColumns(t, result.day, csvDelimiter(locale) === ';')
        return writeCsv(res, columns, result.intervals, locale)
      }
      const fmt = res.locals.fmt
      const charts = result.meters.map((m) =>
        stepChart(
          m.profile.values.map((v) => (v === null ? null : Number(v))),
          m.profile.labels,
          { format: (n) => fmt.number(n), labelEvery: Math.max(1, Math.round(m.profile.labels.length / 8)) },
        ),
      )
      return void res.render(VIEW, { ...locals, values, result, charts })
    }
    if (result.failure === 'login') {
      error('amrPassword', 'readings.amr.errors.login')
      return renderInvalid(res, VIEW, errors, values, locals)
    }
    // Nothing the customer typed is wrong: the head-end is down, slow, or sent nonsense.
    error('amrLogin', `readings.amr.errors.${result.failure}`)
    res.status(503)
    res.render(VIEW, { ...locals, values, errors })
  })
  return router
}
