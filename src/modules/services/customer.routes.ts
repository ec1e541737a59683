import { submissionOf } from '../../platform/submissions.ts'
import { flash } from '../../http/flash.ts'
import { Router, type Response } from 'express'
import type { Deps } from '../../deps.ts'
import type { KabinetModule } from '../../module.ts'
import { SERVICE_CODES } from '../../platform/tenancy/settings.ts'
import type { ServiceServices } from './services.ts'
import { requireCustomer } from '../accounts/index.ts'
import { fieldErrors, renderInvalid, type FieldError } from '../../http/forms.ts'
import { createCredentialThrottle } from '../../http/rate-limit.ts'
import { noStore } from '../../http/security-headers.ts'
import { Email, newPasswordFields } from '../../platform/identity-fields.ts'
import { hashTypedToken } from '../../platform/typed-token.ts'
import { accessMode, setDefaultService } from './access.service.ts'
import { type Redemption } from './redemption.service.ts'
import { requireService } from './guard.ts'
import { TokenForm, accessRequest, serviceChoice } from './schemas.ts'

declare module 'express-session' {
  interface SessionData {
    /** Step 4b: the checked token's hash, between "Next" and creating the account. */
    enrolTokenHash: string
    /** …and what it is for, shown on the account page. */
    enrolFor: { service: string; company: string }
  }
}

function redemptionError(res: Response, field: string, result: Redemption): FieldError[] {
  const t = res.locals.t
  const text = result.ok
    ? ''
    : result.reason === 'wrongEmail'
      ? t('services.errors.wrongEmail', { email: result.maskedEmail })
      : t(`services.errors.${result.reason}`)
  return [{ field, text, href: `#${field}` }]
}

/** The services one asks for (by token or review); those open to all need no request. */
function requestableServices(res: Response): string[] {
  return res.locals.tenant!.settings.enabledServices.filter(
    (code) => accessMode(res.locals.ctx, code) !== 'open',
  )
}

/** Request access, My services, token registration on both paths, and the service guard. */
export function serviceCustomerRoutes(
  deps: Deps,
  services: ServiceServices,
  modules: readonly KabinetModule[],
): Router {
  const router = Router()
  // A token is the account here: strict per token (and each enrolment locks after five
  // wrong emails), generous per address, so one office behind NAT is not locked out of
  // /enrol by its neighbours' typos.
  const throttle = createCredentialThrottle(deps.pool, 'enrol', { perIpPoints: 300 })
  // Each access request lands in the staff queue and may send mail: few from one address.
  const requests = createCredentialThrottle(deps.pool, 'access-request', { perIpPoints: 10 })
  const attempt = (res: Response, key: string, ip: string | undefined, by = throttle) =>
    by.attempt(`${res.locals.tenant!.id}:${key}`, ip ?? '')

  router.get('/access-request', (req, res) => {
    const requestable = requestableServices(res)
    const asked = typeof req.query.service === 'string' ? req.query.service : ''
    res.render('customer/services/request', {
      requestable,
      values: requestable.includes(asked) ? { service: asked } : {},
    })
  })
  router.post('/access-request', async (req, res) => {
    const form = accessRequest(res.locals.tenant!).safeParse(req.body)
    if (!form.success)
      return renderInvalid(res, 'customer/services/request', fieldErrors(res, form.error), req.body, {
        requestable: requestableServices(res),
      })
    await attempt(res, form.data.email.toLowerCase(), req.ip, requests)
    await services.requestAccess(res.locals.ctx, form.data, submissionOf(req.body))
    res.redirect(303, '/access-request/sent')
  })
  router.get('/access-request/sent', (_req, res) => {
    res.render('customer/services/request-sent')
  })

  // Step 4b: the link from the email. Opening it consumes nothing; the token is typed in.
  router.use('/enrol', noStore)
  router.get('/enrol', (_req, res) => {
    res.render('customer/services/enrol-token', { values: {} })
  })
  router.post('/enrol', async (req, res) => {
    const form = TokenForm.safeParse(req.body)
    if (!form.success)
      return renderInvalid(res, 'customer/services/enrol-token', fieldErrors(res, form.error), {})
    const tried = await attempt(res, `token:${hashTypedToken(form.data.token)}`, req.ip)
    const checked = await services.checkToken(res.locals.ctx, form.data.token)
    if (!('enrolmentId' in checked)) {
      return renderInvalid(res, 'customer/services/enrol-token', redemptionError(res, 'token', checked), {})
    }
    await tried.succeeded()
    req.session.enrolTokenHash = checked.tokenHash
    req.session.enrolFor = { service: checked.service, company: checked.company }
    res.redirect(303, '/enrol/account')
  })
  router.get('/enrol/account', (req, res) => {
    if (!req.session.enrolTokenHash) return res.redirect(303, '/enrol')
    res.render('customer/services/enrol-account', { values: {}, enrolFor: req.session.enrolFor })
  })
  router.post('/enrol/account', async (req, res) => {
    const tokenHash = req.session.enrolTokenHash
    if (!tokenHash) return res.redirect(303, '/enrol')
    const body = req.body as Record<string, unknown>
    const email = Email.safeParse(body.email)
    const password = newPasswordFields(
      res.locals.tenant!,
      typeof body.email === 'string' ? body.email : '',
    ).safeParse(body)
    const values = { email: body.email, consent: body.consent === 'yes' ? 'yes' : undefined }
    const enrolFor = req.session.enrolFor
    const consented = body.consent === 'yes'
    if (!email.success || !password.success || !consented) {
      const errors = [
        ...(email.success
          ? []
          : fieldErrors(res, email.error).map((e) => ({ ...e, field: 'email', href: '#email' }))),
        ...(password.success ? [] : fieldErrors(res, password.error)),
        ...(consented
          ? []
          : [{ field: 'consent', text: res.locals.t('accounts.errors.consentRequired'), href: '#consent' }]),
      ]
      return renderInvalid(res, 'customer/services/enrol-account', errors, values, { enrolFor })
    }
    const tried = await attempt(res, `enrolment:${tokenHash}`, req.ip)
    const result = await services.redeemWithNewAccount(res.locals.ctx, tokenHash, {
      email: email.data,
      password: password.data.password,
    })
    if (!result.ok) {
      if (result.reason === 'hasAccount') await tried.succeeded()
      if (result.reason === 'hasAccount') return res.status(409).render('customer/services/has-account')
      return renderInvalid(
        res,
        'customer/services/enrol-account',
        redemptionError(res, 'email', result),
        values,
        { enrolFor },
      )
    }
    await tried.succeeded()
    delete req.session.enrolTokenHash
    delete req.session.enrolFor
    // The sign-in form opens with the new login filled in (kept in the session, not the URL).
    req.session.loginPrefill = email.data
    flash(req, { key: 'services.enrol.done' })
    res.redirect(303, '/login')
  })

  router.use(['/account/services', '/services'], requireCustomer())
  router.get('/account/services', async (req, res) => {
    const mine = await services.servicesOf(res.locals.ctx, res.locals.customer!.id)
    const offered = res.locals.tenant!.settings.enabledServices
    res.render('customer/services/mine', {
      mine,
      offered,
      modes: Object.fromEntries(offered.map((code) => [code, accessMode(res.locals.ctx, code)])),
    })
  })
  router.post('/account/services/default', async (req, res) => {
    const choice = (req.body as { service?: unknown }).service
    const ok = await setDefaultService(
      deps,
      res.locals.ctx,
      res.locals.customer!,
      choice === '' ? null : String(choice),
    )
    if (ok) flash(req, { key: 'services.mine.defaultSaved' })
    res.redirect(303, '/account/services')
  })
  router.get('/account/services/:code/register', (req, res, next) => {
    if (!serviceChoice(res.locals.tenant!).safeParse(req.params.code).success) return next()
    res.render('customer/services/register', { service: req.params.code, values: {} })
  })
  router.post('/account/services/:code/register', async (req, res, next) => {
    const service = req.params.code
    if (!serviceChoice(res.locals.tenant!).safeParse(service).success) return next()
    const form = TokenForm.safeParse(req.body)
    if (!form.success)
      return renderInvalid(res, 'customer/services/register', fieldErrors(res, form.error), {}, { service })
    const customer = res.locals.customer!
    const tried = await attempt(res, `customer:${customer.id}`, req.ip)
    const result = await services.redeemForCustomer(res.locals.ctx, customer, service, form.data.token)
    if (!result.ok) {
      return renderInvalid(
        res,
        'customer/services/register',
        redemptionError(res, 'token', result),
        {},
        { service },
      )
    }
    await tried.succeeded()
    res.redirect(303, `/services/${service}`)
  })

  // A service whose module is still to come has a placeholder page; a module names its own.
  const served = new Set(modules.map((m) => m.service))
  for (const code of SERVICE_CODES.filter((c) => !served.has(c))) {
    router.get(`/services/${code}`, requireService(deps, code), (_req, res) => {
      res.render('customer/services/service', { service: code })
    })
  }
  return router
}
