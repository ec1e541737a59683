import { Router, type Response } from 'express'
import { z } from 'zod'
import type { Deps } from '../../deps.ts'
import { attachmentDownload } from '../../http/download.ts'
import { EMPTY_PAGE, filterChoice, filterText, readFilters } from '../../http/filters.ts'
import { flash } from '../../http/flash.ts'
import { fieldErrors, renderInvalid } from '../../http/forms.ts'
import { PageParam, pagination } from '../../http/lists.ts'
import { uuidIds } from '../../http/params.ts'
import { requireOperator } from '../operators/index.ts'
import { MEMBER_OWNER, UNIT_OWNER } from './registration.service.ts'
import { partsOf } from './rules.ts'
import { DecisionForm } from './schemas.ts'
import type { MarketServices } from './services.ts'
import { MEMBER_TYPES } from './settings.ts'
import { CENTRE_MEMBER_STATUSES } from './workflow.ts'

const ADMIN = '/admin/market'
const QueueFilter = z.object({
  status: filterChoice(CENTRE_MEMBER_STATUSES),
  type: filterChoice(MEMBER_TYPES),
  q: filterText(100),
})

/**
 * The trading centre's review (item 7): the queue with filters, one registration whole
 * with every attachment, and the decision — approve, reject with a reason, or return
 * naming the parts to correct.
 */
export function marketAdminRoutes(deps: Deps, market: MarketServices): Router {
  const router = uuidIds(Router())
  router.use(ADMIN, requireOperator(deps))

  router.get(ADMIN, async (req, res) => {
    const read = readFilters(QueueFilter, req, res)
    const page = read.ok
      ? await market.registrationQueue(res.locals.ctx, read.data, PageParam.parse(req.query.page))
      : EMPTY_PAGE
    res.status(read.ok ? 200 : 422).render('admin/market/queue', {
      page,
      pagination: pagination(req, page, res.locals.t('market.queue.pages')),
      filters: req.query,
      errors: read.ok ? [] : read.errors,
      statuses: CENTRE_MEMBER_STATUSES,
      types: MEMBER_TYPES,
    })
  })

  // The id is read when the page is asked for: an error page renders after the route, without params.
  const pageOf = async (id: string, res: Response) => {
    const registration = await market.registrationForStaff(res.locals.ctx, id)
    return { ...registration, parts: partsOf(registration.member.member_type) }
  }
  router.get(`${ADMIN}/:id`, async (req, res) => {
    res.render('admin/market/registration', { ...(await pageOf(String(req.params.id), res)), values: {} })
  })
  router.post(`${ADMIN}/:id`, async (req, res) => {
    const id = String(req.params.id)
    const form = DecisionForm.safeParse(req.body)
    if (!form.success)
      return renderInvalid(
        res,
        'admin/market/registration',
        fieldErrors(res, form.error),
        req.body,
        await pageOf(id, res),
      )
    res.locals.formPage = { view: 'admin/market/registration', locals: () => pageOf(id, res) }
    await market.decideRegistration(res.locals.ctx, id, {
      to: form.data.decision,
      comment: form.data.comment,
      parts: form.data.parts,
    })
    flash(req, { key: `market.review.done.${form.data.decision}` })
    res.redirect(303, `${ADMIN}/${id}`)
  })
  router.get(
    `${ADMIN}/:id/files/:attachmentId`,
    attachmentDownload(deps, async (ctx, attachment, req) => {
      const registration = await market
        .registrationForStaff(ctx, String(req.params.id))
        .catch(() => undefined)
      if (!registration) return false
      if (attachment.owner.type === MEMBER_OWNER) return attachment.owner.id === registration.member.id
      return (
        attachment.owner.type === UNIT_OWNER && registration.units.some((u) => u.id === attachment.owner.id)
      )
    }),
  )
  return router
}
