import { Router, type Request, type Response } from 'express'
import type { Deps } from '../../deps.ts'
import { flash } from '../../http/flash.ts'
import { fieldErrors, formText, renderInvalid } from '../../http/forms.ts'
import { noStore } from '../../http/security-headers.ts'
import { NotFoundError } from '../../platform/errors.ts'
import { isUuid } from '../../platform/ids.ts'
import { grantableServices } from '../../platform/representation.ts'
import { GrantForm, InviteForm } from './schemas.ts'
import type { OrganisationServices } from './service.ts'

const TEAM = '/account/colleagues'

const grantable = (res: Response) => grantableServices(res.locals.tenant!.settings.enabledServices)

/**
 * Colleagues of an account (for its administrators: its own login, or a colleague with
 * the administrator role while acting for it), the switcher, and the invitation link.
 */
export function organisationRoutes(_deps: Deps, orgs: OrganisationServices): Router {
  const router = Router()
  const accountOf = (res: Response) => res.locals.customer!.id

  // Only an account's administrators manage its colleagues; anyone else finds nothing here.
  router.use(TEAM, (_req, res, next) => {
    const rep = res.locals.representation
    next(rep && rep.role !== 'administrator' ? new NotFoundError('colleagues') : undefined)
  })
  router.get(TEAM, async (_req, res) => {
    res.render('customer/organisations/team', await orgs.team(res.locals.ctx, accountOf(res)))
  })
  router.get(`${TEAM}/invite`, (_req, res) => {
    res.render('customer/organisations/invite', { values: { role: 'colleague' }, services: grantable(res) })
  })
  router.post(`${TEAM}/invite`, async (req, res) => {
    const form = InviteForm.safeParse(req.body)
    if (!form.success)
      return renderInvalid(res, 'customer/organisations/invite', fieldErrors(res, form.error), req.body, {
        services: grantable(res),
      })
    await orgs.invite(res.locals.ctx, accountOf(res), form.data.email, form.data)
    // The same words whether or not the address has a login here.
    flash(req, { key: 'organisations.team.invited', params: { email: form.data.email } })
    res.redirect(303, TEAM)
  })
  router.post(`${TEAM}/invitations/:id/:action`, async (req, res) => {
    const id = String(req.params.id)
    const action = String(req.params.action)
    if (!isUuid(id) || (action !== 'resend' && action !== 'withdraw')) throw new NotFoundError('invitation')
    const done =
      action === 'resend'
        ? await orgs.resend(res.locals.ctx, accountOf(res), id)
        : await orgs.withdraw(res.locals.ctx, accountOf(res), id)
    if (!done) throw new NotFoundError('invitation')
    flash(req, { key: `organisations.team.${action === 'resend' ? 'resent' : 'withdrawn'}` })
    res.redirect(303, TEAM)
  })
  const colleague = async (req: Request, res: Response) => {
    const id = String(req.params.id)
    const found = isUuid(id) ? await orgs.colleague(res.locals.ctx, accountOf(res), id) : undefined
    if (!found) throw new NotFoundError('colleague')
    return found
  }
  router.get(`${TEAM}/:id`, async (req, res) => {
    const member = await colleague(req, res)
    res.render('customer/organisations/colleague', {
      member,
      services: grantable(res),
      values: { role: member.role, permissions: member.permissions },
    })
  })
  router.post(`${TEAM}/:id`, async (req, res) => {
    const member = await colleague(req, res)
    const form = GrantForm.safeParse(req.body)
    if (!form.success)
      return renderInvalid(res, 'customer/organisations/colleague', fieldErrors(res, form.error), req.body, {
        member,
        services: grantable(res),
      })
    await orgs.change(res.locals.ctx, accountOf(res), member.id, form.data)
    flash(req, { key: 'organisations.team.changed', params: { name: member.name } })
    res.redirect(303, TEAM)
  })
  router.post(`${TEAM}/:id/remove`, async (req, res) => {
    const member = await colleague(req, res)
    await orgs.remove(res.locals.ctx, accountOf(res), member.id)
    flash(req, { key: 'organisations.team.removed', params: { name: member.name } })
    res.redirect(303, TEAM)
  })

  // Whom the signed-in person acts for: their own account or one they are a colleague in.
  router.get('/account/acting', async (_req, res) => {
    const person = res.locals.person!
    res.render('customer/organisations/acting', {
      accounts: await orgs.accountsOf(res.locals.ctx, person.id),
      current: res.locals.customer!.id,
    })
  })
  router.post('/account/acting', async (req, res) => {
    const person = res.locals.person!
    const chosen = formText(req, 'account')
    if (chosen === person.id) delete req.session.actingFor
    else {
      const acting = isUuid(chosen) ? await orgs.acting(res.locals.ctx, person.id, chosen) : undefined
      if (!acting) throw new NotFoundError('account to act for')
      req.session.actingFor = chosen
    }
    // The next sign-in starts where this one is now.
    await orgs.choose(res.locals.ctx, person.id, chosen === person.id ? null : chosen)
    res.redirect(303, '/cabinet')
  })

  // The emailed link: opens without signing in (it may be forwarded to the right browser).
  router.get('/invitations/:token', noStore, async (req, res) => {
    res.set('Referrer-Policy', 'no-referrer')
    const invitation = await orgs.invitation(res.locals.ctx, String(req.params.token))
    if (!invitation) return res.status(410).render('customer/organisations/invitation-invalid')
    res.render('customer/organisations/invitation', { invitation, here: req.originalUrl })
  })
  router.post('/invitations/:token', noStore, async (req, res) => {
    const person = res.locals.person
    if (!person) return res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`)
    const result = await orgs.accept(res.locals.ctx, String(req.params.token), person)
    if (result.outcome === 'invalid')
      return res.status(410).render('customer/organisations/invitation-invalid')
    if (result.outcome !== 'accepted')
      return res.status(403).render('customer/organisations/invitation-refused', { reason: result.outcome })
    req.session.actingFor = result.accountId
    await orgs.choose(res.locals.ctx, person.id, result.accountId)
    flash(req, { key: 'organisations.invitation.accepted' })
    res.redirect(303, '/cabinet')
  })
  return router
}
