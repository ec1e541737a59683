import { Router, type Request, type Response } from 'express'
import type { Deps } from '../../deps.ts'
import { flash } from '../../http/flash.ts'
import { fieldErrors, renderInvalid } from '../../http/forms.ts'
import { uuidIds } from '../../http/params.ts'
import { NotFoundError } from '../../platform/errors.ts'
import { dayOf } from '../../platform/time/intervals.ts'
import { requireOperator } from '../operators/index.ts'
import { lastExpiryDay, TokenForm } from './schemas.ts'
import { SCOPE_NAMES } from './scopes.ts'
import type { ApiServices } from './services.ts'

/**
 * API tokens under the profile: the account's administrator (its own login, or a colleague
 * who administers it) makes, sees and revokes them; staff see a customer's and revoke them.
 */
export function tokenRoutes(deps: Deps, api: ApiServices): Router {
  const router = uuidIds(Router(), 'id', 'token')
  const today = (res: Response) => dayOf(deps.clock.now(), res.locals.tenant!.settings.timeZone)
  /** The account's administrators only: anyone else acting for it finds no such page. */
  const administering = (req: Request, res: Response, next: (err?: unknown) => void) => {
    const rep = res.locals.representation
    next(rep && rep.role !== 'administrator' ? new NotFoundError('tokens are for administrators') : undefined)
  }
  const page = async (res: Response) => ({
    tokens: await api.listTokens(res.locals.ctx, res.locals.customer!.id),
    scopes: SCOPE_NAMES,
    lastDay: lastExpiryDay(today(res)),
  })
  router.use('/account/api-tokens', administering)

  router.get('/account/api-tokens', async (_req, res) => {
    res.render('customer/api/tokens', { ...(await page(res)), values: {} })
  })
  router.post('/account/api-tokens', async (req, res) => {
    const form = TokenForm(today(res)).safeParse(req.body)
    const values = { ...(req.body as object) }
    if (!form.success)
      return renderInvalid(res, 'customer/api/tokens', fieldErrors(res, form.error), values, await page(res))
    res.locals.formPage = {
      view: 'customer/api/tokens',
      locals: async () => ({ ...(await page(res)), values }),
    }
    const made = await api.createToken(
      res.locals.ctx,
      res.locals.customer!.id,
      res.locals.person!.id,
      form.data,
    )
    // Shown once, on this answer only; only its hash is stored.
    res.render('customer/api/token-made', { token: made.token, made: made.row, lastDay: form.data.expiresOn })
  })
  router.post('/account/api-tokens/:id/revoke', async (req, res) => {
    if (!(await api.revokeApiToken(res.locals.ctx, res.locals.customer!.id, req.params.id, 'customer')))
      throw new NotFoundError('token')
    flash(req, { key: 'api.tokens.revoked' })
    res.redirect(303, '/account/api-tokens')
  })

  router.use('/admin/customers/:id/api-tokens', requireOperator(deps))
  router.get('/admin/customers/:id/api-tokens', async (req, res) => {
    const subject = await api.customerForStaff(res.locals.ctx, req.params.id)
    res.render('admin/api/tokens', { subject, tokens: await api.listTokens(res.locals.ctx, subject.id) })
  })
  router.post('/admin/customers/:id/api-tokens/:token/revoke', async (req, res) => {
    const revoked = await api.revokeApiToken(res.locals.ctx, req.params.id, req.params.token, 'operator')
    if (!revoked) throw new NotFoundError('token')
    flash(req, { key: 'api.tokens.revoked' })
    res.redirect(303, `/admin/customers/${req.params.id}/api-tokens`)
  })
  return router
}
