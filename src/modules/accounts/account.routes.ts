import { flash } from '../../http/flash.ts'
import { Router, type Request, type Response } from 'express'
import { createCredentialThrottle } from '../../http/rate-limit.ts'
import type { Deps } from '../../deps.ts'
import type { AccountServices } from './services.ts'
import { requireCustomer } from './session.ts'
import { fieldErrors, renderInvalid } from '../../http/forms.ts'
import { ChangeEmail, changePassword as changePasswordForm, profile as profileForm } from './schemas.ts'
import { noStore } from '../../http/security-headers.ts'
import { formatPhone } from '../../platform/phone.ts'
import { may } from '../../platform/representation.ts'
import type { CustomerServices } from './ports.ts'

/** The signed-in customer's cabinet: home with the main menu, profile, password, sessions. */
export function accountRoutes(deps: Deps, accounts: AccountServices, services: CustomerServices): Router {
  const router = Router()
  // Checking the current password is a credential path like sign-in: a stolen session
  // must not be a way to guess it.
  const throttle = createCredentialThrottle(deps.pool, 'current-password')
  const attempt = (req: Request, res: Response) =>
    throttle.attempt(`${res.locals.tenant!.id}:${res.locals.person!.id}`, req.ip ?? '')
  // The link from the new address works without signing in (it may open in another browser).
  router.get('/account/email/confirm/:token', noStore, (_req, res) => {
    res.set('Referrer-Policy', 'no-referrer')
    res.render('customer/accounts/confirm')
  })
  router.post('/account/email/confirm/:token', noStore, async (req, res) => {
    const ok = await accounts.confirmEmailChange(res.locals.ctx, String(req.params.token))
    res
      .status(ok ? 200 : 410)
      .render(ok ? 'customer/accounts/email-changed' : 'customer/accounts/link-invalid')
  })
  router.use(['/cabinet', '/account'], requireCustomer())

  router.get('/cabinet', async (_req, res) => {
    const mine = await services.servicesOf(res.locals.ctx, res.locals.customer!.id)
    // A colleague acting for the account sees the services they were given.
    const rep = res.locals.representation
    const offered = res.locals.tenant!.settings.enabledServices.filter((code) => may(rep, `${code}:view`))
    res.render('customer/cabinet/home', {
      services: offered,
      mine,
      administrator: !rep || rep.role === 'administrator',
    })
  })

  router.get('/account/profile', (req, res) => {
    const c = res.locals.person!
    res.render('customer/accounts/profile', {
      values: {
        firstName: c.first_name,
        lastName: c.last_name,
        phone: formatPhone(c.phone),
        preferredLocale: c.preferred_locale ?? '',
      },
    })
  })
  router.post('/account/profile', async (req, res) => {
    const form = profileForm(res.locals.tenant!).safeParse(req.body)
    if (!form.success)
      return renderInvalid(res, 'customer/accounts/profile', fieldErrors(res, form.error), req.body)
    await accounts.updateProfile(res.locals.ctx, res.locals.person!.id, form.data)
    flash(req, { key: 'accounts.profile.saved' })
    res.redirect(303, '/account/profile')
  })

  router.use('/account/password', (_req, res, next) => {
    res.locals.forced = res.locals.person!.must_change_password
    next()
  })
  router.get('/account/password', (req, res) => {
    res.render('customer/accounts/password')
  })
  router.post('/account/password', async (req, res) => {
    const customer = res.locals.person!
    const forced = customer.must_change_password
    const form = changePasswordForm(res.locals.tenant!, customer.email, forced).safeParse(req.body)
    if (!form.success)
      return renderInvalid(res, 'customer/accounts/password', fieldErrors(res, form.error), {})
    const tried = forced ? undefined : await attempt(req, res)
    const epoch = await accounts.changePassword(res.locals.ctx, customer.id, form.data, forced)
    if (epoch === 'wrongPassword') {
      const errors = [
        {
          field: 'currentPassword',
          text: res.locals.t('accounts.errors.currentPasswordWrong'),
          href: '#currentPassword',
        },
      ]
      return renderInvalid(res, 'customer/accounts/password', errors, {})
    }
    await tried?.succeeded()
    flash(req, { key: 'accounts.password.changed' })
    // This session carries on under the new epoch; every other one has ended.
    req.session.epoch = epoch
    res.redirect(303, forced ? await services.landingPath(res.locals.ctx, customer) : '/account/password')
  })

  router.get('/account/email', (req, res) => {
    res.render('customer/accounts/email', { values: {} })
  })
  router.post('/account/email', async (req, res) => {
    const form = ChangeEmail.safeParse(req.body)
    const values = { newEmail: (req.body as { newEmail?: unknown }).newEmail }
    if (!form.success)
      return renderInvalid(res, 'customer/accounts/email', fieldErrors(res, form.error), values)
    const tried = await attempt(req, res)
    const outcome = await accounts.requestEmailChange(res.locals.ctx, res.locals.person!.id, form.data)
    if (outcome === 'wrongPassword') {
      const errors = [
        {
          field: 'currentPassword',
          text: res.locals.t('accounts.errors.currentPasswordWrong'),
          href: '#currentPassword',
        },
      ]
      return renderInvalid(res, 'customer/accounts/email', errors, values)
    }
    await tried.succeeded()
    flash(req, { key: 'accounts.email.sent' })
    res.redirect(303, '/account/email')
  })

  router.post('/account/sessions/end-others', async (req, res) => {
    req.session.epoch = await accounts.endOtherSessions(res.locals.ctx, res.locals.person!)
    flash(req, { key: 'accounts.profile.sessionsEnded' })
    res.redirect(303, '/account/profile')
  })
  return router
}
