import { flash } from '../../http/flash.ts'
import { Router } from 'express'
import type { Deps } from '../../deps.ts'
import type { AccountServices } from './services.ts'
import { fieldErrors, renderInvalid } from '../../http/forms.ts'
import { createCredentialThrottle } from '../../http/rate-limit.ts'
import { noStore } from '../../http/security-headers.ts'
import { hashToken } from '../../platform/tokens.ts'
import { newPasswordFields as resetForm } from '../../platform/identity-fields.ts'
import { EmailOnly } from './schemas.ts'

/** Forgotten password: request a link, then set a new password from it. */
export function passwordResetRoutes(deps: Deps, accounts: AccountServices): Router {
  const router = Router()
  const throttle = createCredentialThrottle(deps.pool, 'reset')

  router.get('/password/forgot', (_req, res) => {
    res.render('customer/accounts/forgot')
  })
  router.post('/password/forgot', async (req, res) => {
    const form = EmailOnly.safeParse(req.body)
    if (!form.success)
      return renderInvalid(res, 'customer/accounts/forgot', fieldErrors(res, form.error), req.body)
    const account = `${res.locals.tenant!.id}:${form.data.email.toLowerCase()}`
    await throttle.attempt(account, req.ip ?? '')
    await accounts.requestPasswordReset(res.locals.ctx, form.data.email)
    res.redirect(303, '/password/sent')
  })
  router.get('/password/sent', (_req, res) => {
    res.render('customer/accounts/reset-sent')
  })

  router.use('/password/reset/:token', noStore, (_req, res, next) => {
    res.set('Referrer-Policy', 'no-referrer')
    next()
  })
  router.get('/password/reset/:token', async (req, res) => {
    if (!(await accounts.resetLinkIsUsable(res.locals.ctx, req.params.token))) {
      return res.status(410).render('customer/accounts/link-invalid')
    }
    res.render('customer/accounts/reset')
  })
  router.post('/password/reset/:token', async (req, res) => {
    const tried = await throttle.attempt(
      `${res.locals.tenant!.id}:link:${hashToken(String(req.params.token))}`,
      req.ip ?? '',
    )
    const form = resetForm(res.locals.tenant!, '').safeParse(req.body)
    if (!form.success) return renderInvalid(res, 'customer/accounts/reset', fieldErrors(res, form.error), {})
    const outcome = await accounts.resetPassword(res.locals.ctx, req.params.token, form.data.password)
    if (outcome === 'invalid') {
      return res.status(410).render('customer/accounts/link-invalid')
    }
    await tried.succeeded()
    flash(req, { key: 'accounts.reset.done' })
    res.redirect(303, '/login')
  })
  return router
}
