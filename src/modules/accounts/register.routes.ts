import { Router, type Response } from 'express'
import type { Deps } from '../../deps.ts'
import type { AccountServices } from './services.ts'
import { fieldErrors, renderInvalid } from '../../http/forms.ts'
import { createCredentialThrottle } from '../../http/rate-limit.ts'
import { noStore } from '../../http/security-headers.ts'
import { hashToken } from '../../platform/tokens.ts'
import {
  EmailOnly,
  registerWithConfirmation as confirmationForm,
  registerWithEmailedPassword as emailedForm,
} from './schemas.ts'

/** Registration (seeds 002 and 004), email confirmation and "send again". */
export function registerRoutes(deps: Deps, accounts: AccountServices): Router {
  const router = Router()
  const throttle = createCredentialThrottle(deps.pool, 'register')
  const modes = (res: Response) => res.locals.tenant!.settings.registration.modes

  /** Each attempt counts, so neither registration nor "send again" can be used to spam an inbox. */
  async function spend(res: Response, email: string, ip: string | undefined) {
    await throttle.attempt(`${res.locals.tenant!.id}:${email.toLowerCase()}`, ip ?? '')
  }

  router.get('/register', (_req, res) => {
    const enabled = modes(res)
    if (enabled.length === 1)
      return res.redirect(303, enabled[0] === 'emailedPassword' ? '/register/password' : '/register/account')
    res.render('customer/accounts/register-choice')
  })

  router.get('/register/password', (_req, res) => {
    if (!modes(res).includes('emailedPassword')) return res.redirect(303, '/register')
    res.render('customer/accounts/register-emailed', { values: { category: 'legal' } })
  })
  router.post('/register/password', async (req, res) => {
    if (!modes(res).includes('emailedPassword')) return res.redirect(303, '/register')
    const form = emailedForm(res.locals.tenant!).safeParse(req.body)
    if (!form.success)
      return renderInvalid(res, 'customer/accounts/register-emailed', fieldErrors(res, form.error), req.body)
    await spend(res, form.data.email, req.ip)
    await accounts.registerWithEmailedPassword(res.locals.ctx, form.data)
    res.redirect(303, '/register/done')
  })

  router.get('/register/account', (_req, res) => {
    if (!modes(res).includes('emailConfirmation')) return res.redirect(303, '/register')
    res.render('customer/accounts/register-account', { values: { category: 'individual' } })
  })
  router.post('/register/account', async (req, res) => {
    if (!modes(res).includes('emailConfirmation')) return res.redirect(303, '/register')
    const form = confirmationForm(res.locals.tenant!).safeParse(req.body)
    const values = { ...(req.body as object), password: '', passwordConfirm: '' }
    if (!form.success)
      return renderInvalid(res, 'customer/accounts/register-account', fieldErrors(res, form.error), values)
    await spend(res, form.data.email, req.ip)
    res.locals.formPage = { view: 'customer/accounts/register-account', locals: () => ({ values }) }
    await accounts.registerWithConfirmation(res.locals.ctx, form.data)
    res.redirect(303, '/register/done')
  })

  router.get('/register/done', (_req, res) => {
    res.render('customer/accounts/register-done')
  })

  // Opening the emailed link only shows a button: mail scanners that prefetch links consume nothing.
  router.get('/confirm/:token', noStore, (_req, res) => {
    res.set('Referrer-Policy', 'no-referrer')
    res.render('customer/accounts/confirm')
  })
  router.post('/confirm/:token', noStore, async (req, res) => {
    const confirmed = await accounts.confirmEmail(res.locals.ctx, hashToken(String(req.params.token)))
    res
      .status(confirmed ? 200 : 410)
      .render(confirmed ? 'customer/accounts/confirmed' : 'customer/accounts/link-invalid', { resend: true })
  })

  router.get('/confirm-again', (_req, res) => {
    res.render('customer/accounts/resend')
  })
  router.post('/confirm-again', async (req, res) => {
    const form = EmailOnly.safeParse(req.body)
    if (!form.success)
      return renderInvalid(res, 'customer/accounts/resend', fieldErrors(res, form.error), req.body)
    await spend(res, form.data.email, req.ip)
    await accounts.resendConfirmation(res.locals.ctx, form.data.email)
    res.redirect(303, '/register/done')
  })
  return router
}
