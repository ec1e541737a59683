import { CONTROL_CHARACTERS, SINGLE_LINE } from '../../platform/text.ts'
import { Router } from 'express'
import { z } from 'zod'
import type { Deps } from '../../deps.ts'
import type { OperatorServices } from './services.ts'
import { fieldErrors, renderInvalid } from '../../http/forms.ts'
import { createCredentialThrottle } from '../../http/rate-limit.ts'
import { noStore } from '../../http/security-headers.ts'
import { newTotpSecret, totpQrCode } from '../../platform/totp.ts'
import { Email, newPasswordFields as newPasswordForm } from '../../platform/identity-fields.ts'
import { beginOperatorLogin, completeOperatorLogin, endOperatorSession } from './auth.ts'

const StaffLogin = z.object({
  email: Email,
  password: z.string().min(1, 'accounts.errors.passwordRequired').max(1024),
})
const Code = z.object({
  code: z
    .string()
    .trim()
    .regex(SINGLE_LINE, CONTROL_CHARACTERS)
    .min(6, 'admin.errors.code')
    .max(20, 'admin.errors.code'),
})

/** Staff sign-in: password, then TOTP (enrolled on first sign-in), plus the set-password link. */
export function operatorLoginRoutes(deps: Deps, operators: OperatorServices): Router {
  const router = Router()
  const throttle = createCredentialThrottle(deps.pool, 'admin-login')
  router.use('/admin', noStore)

  const attempt = (tenantId: string, key: string, ip: string | undefined) =>
    throttle.attempt(`${tenantId}:${key}`, ip ?? '')

  router.get('/admin/login', (_req, res) => {
    res.render('admin/operators/login', { values: {} })
  })
  router.post('/admin/login', async (req, res) => {
    const form = StaffLogin.safeParse(req.body)
    const values = { email: (req.body as { email?: unknown }).email }
    if (!form.success)
      return renderInvalid(res, 'admin/operators/login', fieldErrors(res, form.error), values)
    const tenantId = res.locals.tenant!.id
    const key = form.data.email.toLowerCase()
    const tried = await attempt(tenantId, key, req.ip)
    const operator = await operators.checkOperatorPassword(
      res.locals.ctx,
      form.data.email,
      form.data.password,
    )
    if (!operator) {
      return renderInvalid(
        res,
        'admin/operators/login',
        [{ field: 'email', text: res.locals.t('accounts.errors.loginFailed'), href: '#email' }],
        values,
      )
    }
    await tried.succeeded()
    await beginOperatorLogin(req, tenantId, operator, deps.clock)
    res.redirect(303, operator.totp_enabled_at ? '/admin/login/code' : '/admin/totp/setup')
  })

  router.get('/admin/login/code', (req, res) => {
    if (!req.session.pendingOperatorId) return res.redirect(303, '/admin/login')
    res.render('admin/operators/code')
  })
  router.post('/admin/login/code', async (req, res) => {
    const pending = req.session.pendingOperatorId
    if (!pending) return res.redirect(303, '/admin/login')
    const tenantId = res.locals.tenant!.id
    const form = Code.safeParse(req.body)
    if (!form.success) return renderInvalid(res, 'admin/operators/code', fieldErrors(res, form.error), {})
    const tried = await attempt(tenantId, `code:${pending}`, req.ip)
    const operator = await operators.checkSecondFactor(res.locals.ctx, pending, form.data.code)
    if (!operator) {
      return renderInvalid(
        res,
        'admin/operators/code',
        [{ field: 'code', text: res.locals.t('admin.errors.codeWrong'), href: '#code' }],
        {},
      )
    }
    await tried.succeeded()
    await completeOperatorLogin(req, tenantId, operator, deps.clock)
    res.redirect(303, '/admin')
  })

  router.get('/admin/totp/setup', async (req, res) => {
    const pending = req.session.pendingOperatorId
    if (!pending) return res.redirect(303, '/admin/login')
    const operator = await operators.operatorById(res.locals.ctx, pending)
    if (!operator || operator.totp_enabled_at) return res.redirect(303, '/admin/login')
    req.session.totpSecret ??= newTotpSecret()
    const secret = req.session.totpSecret
    res.render('admin/operators/totp-setup', {
      secret,
      qr: await totpQrCode(secret, res.locals.tenant!.settings.name, operator.email),
    })
  })
  router.post('/admin/totp/setup', async (req, res) => {
    const pending = req.session.pendingOperatorId
    const secret = req.session.totpSecret
    if (!pending || !secret) return res.redirect(303, '/admin/login')
    const form = Code.safeParse(req.body)
    const tried = await attempt(res.locals.tenant!.id, `code:${pending}`, req.ip)
    const codes = form.success
      ? await operators.enrolTotp(res.locals.ctx, pending, secret, form.data.code)
      : undefined
    if (!codes) {
      const operator = await operators.operatorById(res.locals.ctx, pending)
      const errors = [{ field: 'code', text: res.locals.t('admin.errors.codeWrong'), href: '#code' }]
      return renderInvalid(
        res,
        'admin/operators/totp-setup',
        errors,
        {},
        { secret, qr: await totpQrCode(secret, res.locals.tenant!.settings.name, operator?.email ?? '') },
      )
    }
    await tried.succeeded()
    const operator = await operators.operatorById(res.locals.ctx, pending)
    await completeOperatorLogin(req, res.locals.tenant!.id, operator!, deps.clock)
    // Shown once, on this response only; only their hashes are stored.
    res.render('admin/operators/recovery-codes', { codes })
  })

  router.post('/admin/logout', async (req, res) => {
    await endOperatorSession(req)
    res.redirect(303, '/admin/login')
  })

  router.use('/admin/set-password/:token', (_req, res, next) => {
    res.set('Referrer-Policy', 'no-referrer')
    next()
  })
  router.get('/admin/set-password/:token', async (req, res) => {
    if (!(await operators.setPasswordLinkIsUsable(res.locals.ctx, req.params.token)))
      return res.status(410).render('customer/accounts/link-invalid')
    res.render('admin/operators/set-password')
  })
  router.post('/admin/set-password/:token', async (req, res) => {
    const form = newPasswordForm(res.locals.tenant!, '').safeParse(req.body)
    if (!form.success)
      return renderInvalid(res, 'admin/operators/set-password', fieldErrors(res, form.error), {})
    const ok = await operators.setPasswordFromLink(res.locals.ctx, req.params.token, form.data.password)
    if (!ok) return res.status(410).render('customer/accounts/link-invalid')
    res.redirect(303, '/admin/login')
  })
  return router
}
