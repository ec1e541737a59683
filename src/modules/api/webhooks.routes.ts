import { Router, type Request, type Response } from 'express'
import type { Deps } from '../../deps.ts'
import { flash } from '../../http/flash.ts'
import { fieldErrors, renderInvalid } from '../../http/forms.ts'
import { uuidIds } from '../../http/params.ts'
import { NotFoundError } from '../../platform/errors.ts'
import { ACCOUNT_EVENTS } from '../../platform/events.ts'
import { WebhookForm } from './schemas.ts'
import type { ApiServices } from './services.ts'
import { MAX_ENDPOINTS } from './webhooks.service.ts'
import { RETRY_AFTER_S } from './webhooks/deliver.ts'

const BASE = '/account/webhooks'

/**
 * Webhooks under the profile (issue 22 item 8), for the account's administrators like its
 * tokens: endpoints with the events they want, the secret shown once, each endpoint's
 * delivery log with every attempt, a test event, and removal.
 */
export function webhookRoutes(deps: Deps, api: ApiServices): Router {
  const router = uuidIds(Router())
  const administering = (_req: Request, res: Response, next: (err?: unknown) => void) => {
    const rep = res.locals.representation
    next(
      rep && rep.role !== 'administrator' ? new NotFoundError('webhooks are for administrators') : undefined,
    )
  }
  router.use(BASE, administering)
  const accountId = (res: Response) => res.locals.customer!.id
  const page = async (res: Response) => ({
    endpoints: await api.endpointsOf(res.locals.ctx, accountId(res)),
    events: ACCOUNT_EVENTS,
    max: MAX_ENDPOINTS,
    retries: RETRY_AFTER_S.length + 1,
  })

  router.get(BASE, async (_req, res) => {
    res.render('customer/api/webhooks', { ...(await page(res)), values: {} })
  })
  router.post(BASE, async (req, res) => {
    const values = { ...(req.body as object) }
    const form = WebhookForm(deps.config.webhookPrivateAddresses).safeParse(req.body)
    if (!form.success)
      return renderInvalid(
        res,
        'customer/api/webhooks',
        fieldErrors(res, form.error),
        values,
        await page(res),
      )
    res.locals.formPage = {
      view: 'customer/api/webhooks',
      locals: async () => ({ ...(await page(res)), values }),
    }
    const made = await api.createEndpoint(res.locals.ctx, accountId(res), res.locals.person!.id, form.data)
    // Shown once, on this answer only: it signs the deliveries, and nobody will see it again here.
    res.render('customer/api/webhook-made', made)
  })
  router.get(`${BASE}/:id`, async (req, res) => {
    res.render('customer/api/webhook', await api.endpointLog(res.locals.ctx, accountId(res), req.params.id))
  })
  router.post(`${BASE}/:id/test`, async (req, res) => {
    await api.sendTestEvent(res.locals.ctx, accountId(res), req.params.id)
    flash(req, { key: 'api.webhooks.testSent' })
    res.redirect(303, `${BASE}/${req.params.id}`)
  })
  router.post(`${BASE}/:id/delete`, async (req, res) => {
    await api.deleteEndpoint(res.locals.ctx, accountId(res), req.params.id)
    flash(req, { key: 'api.webhooks.deleted' })
    res.redirect(303, BASE)
  })
  return router
}
