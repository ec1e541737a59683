import { Router, type Request, type Response } from 'express'
import { z } from 'zod'
import type { Deps } from '../../deps.ts'
import { flash } from '../../http/flash.ts'
import { fieldErrors, renderInvalid } from '../../http/forms.ts'
import { createCredentialThrottle } from '../../http/rate-limit.ts'
import { noStore } from '../../http/security-headers.ts'
import { CONTROL_CHARACTERS, SINGLE_LINE } from '../../platform/text.ts'
import { newTotpSecret, totpQrCode } from '../../platform/totp.ts'
import type { CustomerServices } from './ports.ts'
import { customerById } from './profile.service.ts'
import type { CustomerRow } from './repo.ts'
import type { AccountServices } from './services.ts'
import { completeSignIn, pendingSignIn } from './session.ts'

const Code = z.object({
  code: z
    .string()
    .trim()
    .regex(SINGLE_LINE, CONTROL_CHARACTERS)
    .min(6, 'accounts.errors.code')
    .max(20, 'accounts.errors.code'),
})
const CurrentPassword = z.object({
  currentPassword: z.string().min(1, 'accounts.errors.passwordRequired').max(1024),
})

/**
 * Two-step sign-in for customers: the second step after the password (`/login/code`), setting
 * it up at sign-in where the tenant requires it (`/login/two-step`), and the person's own
 * page to turn it on or off and renew recovery codes (`/account/two-step`).
 */
export function twoStepRoutes(deps: Deps, accounts: AccountServices, services: CustomerServices): Router {
  const router = Router()
  // Codes are credentials like passwords: each pending sign-in (and each signed-in person)
  // has its own budget of guesses, and each address its own.
  const codeThrottle = createCredentialThrottle(deps.pool, 'login-code')
  const attemptCode = (req: Request, res: Response, personId: string) =>
    codeThrottle.attempt(`${res.locals.tenant!.id}:${personId}`, req.ip ?? '')
  const passwordThrottle = createCredentialThrottle(deps.pool, 'current-password')

  /** Where the person whose password was just accepted stands, or undefined (then back to /login). */
  const pending = async (req: Request, res: Response): Promise<CustomerRow | undefined> => {
    const id = pendingSignIn(req, deps.clock)
    const customer = id ? await customerById(deps, res.locals.ctx, id) : undefined
    return customer?.status === 'active' ? customer : undefined
  }
  const setup = async (res: Response, secret: string, person: CustomerRow) => ({
    secret,
    qr: await totpQrCode(secret, res.locals.tenant!.settings.name, person.login_name ?? person.email),
  })
  const codeWrong = (res: Response) => [
    { field: 'code', text: res.locals.t('accounts.errors.codeWrong'), href: '#code' },
  ]

  /** Confirms the secret being set up with the code posted; a wrong one shows the setup page again (422). */
  const enrol = async (
    req: Request,
    res: Response,
    person: CustomerRow,
    secret: string,
    page: { action: string; required?: boolean },
  ) => {
    const form = Code.safeParse(req.body)
    const tried = form.success ? await attemptCode(req, res, person.id) : undefined
    const enrolled = form.success
      ? await accounts.enrolTwoStep(res.locals.ctx, person.id, secret, form.data.code)
      : undefined
    if (!enrolled || !tried) {
      const errors = form.success ? codeWrong(res) : fieldErrors(res, form.error)
      const locals = { ...page, ...(await setup(res, secret, person)) }
      renderInvalid(res, 'customer/accounts/two-step-setup', errors, {}, locals)
      return undefined
    }
    await tried.succeeded()
    return enrolled
  }

  router.use('/login', noStore)
  router.get('/login/code', async (req, res) => {
    const customer = await pending(req, res)
    if (!customer?.totp_enabled_at) return res.redirect(303, '/login')
    res.render('customer/accounts/two-step-code')
  })
  router.post('/login/code', async (req, res) => {
    const customer = await pending(req, res)
    if (!customer?.totp_enabled_at) return res.redirect(303, '/login')
    const form = Code.safeParse(req.body)
    if (!form.success)
      return renderInvalid(res, 'customer/accounts/two-step-code', fieldErrors(res, form.error), {})
    const tried = await attemptCode(req, res, customer.id)
    const checked = await accounts.checkCustomerSecondFactor(res.locals.ctx, customer.id, form.data.code)
    if (!checked) return renderInvalid(res, 'customer/accounts/two-step-code', codeWrong(res), {})
    await tried.succeeded()
    const next = req.session.pendingCustomerNext ?? ''
    res.redirect(303, await completeSignIn(deps, services, req, res.locals.ctx, checked, next))
  })

  router.get('/login/two-step', async (req, res) => {
    const customer = await pending(req, res)
    if (!customer || customer.totp_enabled_at) return res.redirect(303, '/login')
    req.session.customerTotpSecret ??= newTotpSecret()
    res.render('customer/accounts/two-step-setup', {
      action: '/login/two-step',
      required: true,
      ...(await setup(res, req.session.customerTotpSecret, customer)),
    })
  })
  router.post('/login/two-step', async (req, res) => {
    const customer = await pending(req, res)
    const secret = req.session.customerTotpSecret
    if (!customer || customer.totp_enabled_at || !secret) return res.redirect(303, '/login')
    const enrolled = await enrol(req, res, customer, secret, { action: '/login/two-step', required: true })
    if (!enrolled) return
    const next = req.session.pendingCustomerNext ?? ''
    const signedIn = { ...customer, session_epoch: enrolled.epoch, totp_enabled_at: deps.clock.now() }
    const target = await completeSignIn(deps, services, req, res.locals.ctx, signedIn, next)
    // Shown once, on this response only; only their hashes are stored.
    res.render('customer/accounts/recovery-codes', { codes: enrolled.codes, continueHref: target })
  })

  router.get('/account/two-step', async (req, res) => {
    const person = res.locals.person!
    const status = await accounts.twoStepStatus(res.locals.ctx, person.id)
    if (status.enabledAt) return res.render('customer/accounts/two-step', { status })
    req.session.customerTotpSecret ??= newTotpSecret()
    res.render('customer/accounts/two-step-setup', {
      action: '/account/two-step',
      ...(await setup(res, req.session.customerTotpSecret, person)),
    })
  })
  router.post('/account/two-step', async (req, res) => {
    const person = res.locals.person!
    const secret = req.session.customerTotpSecret
    if (person.totp_enabled_at || !secret) return res.redirect(303, '/account/two-step')
    const enrolled = await enrol(req, res, person, secret, { action: '/account/two-step' })
    if (!enrolled) return
    delete req.session.customerTotpSecret
    // This session carries on; every other one has ended.
    req.session.epoch = enrolled.epoch
    res.render('customer/accounts/recovery-codes', {
      codes: enrolled.codes,
      continueHref: '/account/two-step',
    })
  })

  router.post('/account/two-step/recovery-codes', async (req, res) => {
    const person = res.locals.person!
    if (!person.totp_enabled_at) return res.redirect(303, '/account/two-step')
    const status = await accounts.twoStepStatus(res.locals.ctx, person.id)
    const form = Code.safeParse(req.body)
    if (!form.success)
      return renderInvalid(res, 'customer/accounts/two-step', fieldErrors(res, form.error), {}, { status })
    const tried = await attemptCode(req, res, person.id)
    const codes = await accounts.renewRecoveryCodes(res.locals.ctx, person.id, form.data.code)
    if (!codes) return renderInvalid(res, 'customer/accounts/two-step', codeWrong(res), {}, { status })
    await tried.succeeded()
    res.render('customer/accounts/recovery-codes', { codes, continueHref: '/account/two-step' })
  })

  router.post('/account/two-step/off', async (req, res) => {
    const person = res.locals.person!
    if (!person.totp_enabled_at) return res.redirect(303, '/account/two-step')
    const status = await accounts.twoStepStatus(res.locals.ctx, person.id)
    const form = CurrentPassword.safeParse(req.body)
    if (!form.success)
      return renderInvalid(res, 'customer/accounts/two-step', fieldErrors(res, form.error), {}, { status })
    const tried = await passwordThrottle.attempt(`${res.locals.tenant!.id}:${person.id}`, req.ip ?? '')
    const outcome = await accounts.turnOffTwoStep(res.locals.ctx, person.id, form.data.currentPassword)
    if (outcome === 'required') return res.redirect(303, '/account/two-step')
    if (outcome === 'wrongPassword') {
      const errors = [
        {
          field: 'currentPassword',
          text: res.locals.t('accounts.errors.currentPasswordWrong'),
          href: '#currentPassword',
        },
      ]
      return renderInvalid(res, 'customer/accounts/two-step', errors, {}, { status })
    }
    await tried.succeeded()
    req.session.epoch = outcome
    flash(req, { key: 'accounts.twoStep.turnedOff' })
    res.redirect(303, '/account/two-step')
  })
  return router
}
