import { Router } from 'express'
import type { Deps } from '../../deps.ts'
import type { AccountServices } from './services.ts'
import { beginTwoStepSignIn, completeSignIn, signOut } from './session.ts'
import { twoStepMissing } from './two-step.service.ts'
import { fieldErrors, renderInvalid } from '../../http/forms.ts'
import { createCredentialThrottle } from '../../http/rate-limit.ts'
import { safeNextPath } from '../../http/redirect.ts'
import { noStore } from '../../http/security-headers.ts'
import { Login } from './schemas.ts'
import type { CustomerServices } from './ports.ts'

/** Login and logout (seed 000 steps 5 and 8, seed 002). */
export function sessionRoutes(deps: Deps, accounts: AccountServices, services: CustomerServices): Router {
  const router = Router()
  const throttle = createCredentialThrottle(deps.pool, 'login')

  router.get('/login', noStore, (req, res) => {
    if (res.locals.customer) return res.redirect(303, '/cabinet')
    const login = req.session.loginPrefill
    delete req.session.loginPrefill
    res.render('customer/accounts/login', {
      values: { next: safeNextPath(req.query.next, ''), login },
    })
  })

  router.post('/login', noStore, async (req, res) => {
    const form = Login.safeParse(req.body)
    const values = {
      login: (req.body as { login?: unknown }).login,
      next: safeNextPath((req.body as { next?: unknown }).next, ''),
    }
    if (!form.success)
      return renderInvalid(res, 'customer/accounts/login', fieldErrors(res, form.error), values)
    const tenant = res.locals.tenant!
    const loginKey = tenant.settings.registration.loginName ? form.data.login : form.data.login.toLowerCase()
    const account = `${tenant.id}:${loginKey}`
    const tried = await throttle.attempt(account, req.ip ?? '')
    const result = await accounts.authenticate(res.locals.ctx, form.data.login, form.data.password)
    if (!result.ok) {
      const errors = [{ field: 'login', text: res.locals.t('accounts.errors.loginFailed'), href: '#login' }]
      return renderInvalid(res, 'customer/accounts/login', errors, values, { failed: true })
    }
    await tried.succeeded()
    const customer = result.customer
    const next = safeNextPath(form.data.next, '')
    if (customer.totp_enabled_at || twoStepMissing(res.locals.ctx, customer)) {
      await beginTwoStepSignIn(req, tenant.id, customer, deps.clock, next)
      return res.redirect(303, customer.totp_enabled_at ? '/login/code' : '/login/two-step')
    }
    res.redirect(303, await completeSignIn(deps, services, req, res.locals.ctx, customer, next))
  })

  router.post('/logout', async (req, res) => {
    await signOut(req)
    res.redirect(303, '/')
  })
  return router
}
