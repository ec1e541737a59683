import { Router, type Response } from 'express'
import type { Deps } from '../../deps.ts'
import { flash } from '../../http/flash.ts'
import { fieldErrors, renderInvalid } from '../../http/forms.ts'
import { NotFoundError } from '../../platform/errors.ts'
import { isUuid } from '../../platform/ids.ts'
import { grantableServices } from '../../platform/representation.ts'
import { addDays, dayOf, localMoment } from '../../platform/time/intervals.ts'
import type { GrantServices } from './grants.service.ts'
import { GrantOfferForm } from './schemas.ts'

const GIVEN = '/account/representatives'
const HELD = '/account/represented'
const DONE: Record<string, string> = { accept: 'accepted', decline: 'declined', end: 'ended' }

/**
 * Representation between accounts: the grantor's page (its administrators: whom it lets
 * act for it, offer, end) and the representative's (offers to accept or decline, grants
 * held, end).
 */
export function grantRoutes(deps: Deps, grants: GrantServices): Router {
  const router = Router()
  const zone = (res: Response) => res.locals.tenant!.settings.timeZone
  const today = (res: Response) => dayOf(deps.clock.now(), zone(res))
  const formLocals = (res: Response) => ({
    services: grantableServices(res.locals.tenant!.settings.enabledServices),
  })
  const offered = (res: Response) => formLocals(res).services.map((s) => s.service)

  // Only an account's administrators grant for it; a representative or colleague finds nothing.
  router.use(GIVEN, (_req, res, next) => {
    const rep = res.locals.representation
    next(rep && rep.role !== 'administrator' ? new NotFoundError('representatives') : undefined)
  })
  router.get(GIVEN, async (_req, res) => {
    res.render('customer/organisations/representatives', {
      grants: await grants.grantsBy(res.locals.ctx, res.locals.customer!.id),
    })
  })
  router.get(`${GIVEN}/new`, (_req, res) => {
    res.render('customer/organisations/grant-new', {
      ...formLocals(res),
      values: { from: today(res), until: addDays(today(res), 365) },
    })
  })
  router.post(`${GIVEN}/new`, async (req, res) => {
    const form = GrantOfferForm(offered(res), today(res)).safeParse(req.body)
    if (!form.success)
      return renderInvalid(
        res,
        'customer/organisations/grant-new',
        fieldErrors(res, form.error),
        req.body,
        formLocals(res),
      )
    res.locals.formPage = { view: 'customer/organisations/grant-new', locals: () => formLocals(res) }
    const { email, service, permissions, from, until, notify } = form.data
    await grants.offer(res.locals.ctx, res.locals.customer!.id, {
      email,
      service,
      permissions,
      notify,
      // Whole days in the tenant's zone: from the first day's midnight to the one after the last.
      starts: localMoment(from, 0, '00:00', zone(res)),
      ends: localMoment(until, 1, '00:00', zone(res)),
    })
    flash(req, { key: 'organisations.grants.offered', params: { email } })
    res.redirect(303, GIVEN)
  })
  router.post(`${GIVEN}/:id/end`, async (req, res) => {
    const id = String(req.params.id)
    if (!isUuid(id) || !(await grants.end(res.locals.ctx, id, 'grantor', res.locals.customer!.id)))
      throw new NotFoundError('grant')
    flash(req, { key: 'organisations.grants.ended' })
    res.redirect(303, GIVEN)
  })

  // The signed-in person's own: what they were offered and what they hold.
  router.get(HELD, async (_req, res) => {
    res.render(
      'customer/organisations/represented',
      await grants.grantsTo(res.locals.ctx, res.locals.person!),
    )
  })
  router.post(`${HELD}/:id/:action`, async (req, res) => {
    const id = String(req.params.id)
    const action = String(req.params.action)
    const person = res.locals.person!
    const done = !isUuid(id)
      ? false
      : action === 'accept'
        ? await grants.accept(res.locals.ctx, id, person)
        : action === 'decline'
          ? await grants.decline(res.locals.ctx, id, person)
          : action === 'end'
            ? await grants.end(res.locals.ctx, id, 'representative', person.id)
            : false
    if (!done) throw new NotFoundError('grant')
    flash(req, { key: `organisations.grants.${DONE[action]}` })
    res.redirect(303, HELD)
  })
  return router
}
