import { Router, type Request, type Response } from 'express'
import { z } from 'zod'
import type { Deps } from '../../deps.ts'
import { attachmentDownload } from '../../http/download.ts'
import { EMPTY_PAGE, filterChoice, filterText, readFilters } from '../../http/filters.ts'
import { flash } from '../../http/flash.ts'
import { fieldErrors, formText, renderInvalid } from '../../http/forms.ts'
import { PageParam, pagination } from '../../http/lists.ts'
import { uuidIds } from '../../http/params.ts'
import { acceptUploads } from '../../http/upload.ts'
import { addDays, dayOf } from '../../platform/time/intervals.ts'
import { requireOperator } from '../operators/index.ts'
import { BINDING_OWNER } from './bindings.repo.ts'
import { BindingDecisionForm, BindingForm, BindingResponseForm, EndForm } from './schemas.ts'
import type { MarketServices } from './services.ts'
import { marketSettings } from './settings.ts'
import { CENTRE_BINDING_STATUSES } from './workflow.ts'

const BASE = '/services/market/bindings'
const STAFF = '/admin/market/bindings'
const Search = z.object({ q: filterText(100), user: z.uuid().optional().catch(undefined) })
const CONTRACT = { field: 'contract', allow: ['pdf'] as const, required: true }

/**
 * Retail binding (seed 003, issue 20 item 8), the parties' side: an approved supplier
 * searches approved power users, fills the binding with its contract (PDF) and saves or
 * submits it; the user confirms or declines; either may end an approved binding early
 * with notice. A binding is seen only by its two parties.
 */
export function bindingCustomerRoutes(deps: Deps, market: MarketServices): Router {
  const router = uuidIds(Router())
  const customerId = (res: Response) => res.locals.customer!.id
  const today = (res: Response) => dayOf(deps.clock.now(), res.locals.ctx.tenant.settings.timeZone)
  const contractField = (res: Response) => ({
    ...CONTRACT,
    maxBytes: marketSettings.of(res.locals.tenant!).attachmentMaxMb * 1024 * 1024,
  })

  router.get(BASE, async (_req, res) => {
    res.render('customer/market/bindings', await market.bindingsOf(res.locals.ctx, customerId(res)))
  })

  const newPage = async (req: Request, res: Response) => {
    const read = readFilters(Search, req, res)
    const q = read.ok ? (read.data.q ?? '') : ''
    const found = await market.searchPowerUsers(res.locals.ctx, customerId(res), q)
    const userId = (read.ok ? read.data.user : undefined) ?? formText(req, 'userId')
    const user = userId ? await market.powerUserToBind(res.locals.ctx, userId) : undefined
    return { q, found, user, searchErrors: read.ok ? [] : read.errors, today: today(res) }
  }
  router.get(`${BASE}/new`, async (req, res) => {
    const page = await newPage(req, res)
    res.render('customer/market/binding-new', {
      ...page,
      values: { userId: page.user?.id ?? '', from: page.today },
    })
  })
  router.post(
    `${BASE}/new`,
    ...acceptUploads(deps, (_req, res) => [contractField(res)]),
    async (req: Request, res: Response) => {
      const form = BindingForm.safeParse(req.body)
      const errors = [...(form.success ? [] : fieldErrors(res, form.error)), ...(req.upload?.errors ?? [])]
      const locals = () => newPage(req, res)
      if (!form.success || errors.length)
        return renderInvalid(res, 'customer/market/binding-new', errors, req.body, await locals())
      res.locals.formPage = { view: 'customer/market/binding-new', locals }
      const id = await market.createBinding(
        res.locals.ctx,
        customerId(res),
        form.data,
        req.upload!.files,
        formText(req, 'action') === 'submit',
      )
      flash(req, {
        key: formText(req, 'action') === 'submit' ? 'market.bindings.submitted' : 'market.bindings.saved',
      })
      res.redirect(303, `${BASE}/${id}`)
    },
  )

  const page = async (res: Response, id: string) => ({
    ...(await market.bindingFor(res.locals.ctx, customerId(res), id)),
    earliestEnd: addDays(today(res), marketSettings.of(res.locals.tenant!).bindingNoticeDays),
  })
  router.get(`${BASE}/:id`, async (req, res) => {
    res.render('customer/market/binding', { ...(await page(res, String(req.params.id))), values: {} })
  })
  /**
   * A party's action on a binding's page: its form checked (422 on the page, nothing
   * changed), the service's own refusals shown there too, then back to the binding.
   */
  const action = <S extends z.ZodType>(
    name: string,
    schema: S,
    run: (res: Response, id: string, form: z.output<S>) => Promise<string>,
  ) =>
    router.post(`${BASE}/:id/${name}`, async (req, res) => {
      const id = String(req.params.id)
      const form = schema.safeParse(req.body ?? {})
      if (!form.success)
        return renderInvalid(
          res,
          'customer/market/binding',
          fieldErrors(res, form.error),
          req.body,
          await page(res, id),
        )
      res.locals.formPage = { view: 'customer/market/binding', locals: () => page(res, id) }
      flash(req, { key: await run(res, id, form.data) })
      res.redirect(303, `${BASE}/${id}`)
    })
  action('submit', z.object({}), async (res, id) => {
    await market.submitBinding(res.locals.ctx, customerId(res), id)
    return 'market.bindings.submitted'
  })
  action('respond', BindingResponseForm, async (res, id, form) => {
    const confirm = form.decision === 'confirm'
    await market.respondToBinding(res.locals.ctx, customerId(res), id, confirm, form.comment)
    return confirm ? 'market.bindings.confirmed' : 'market.bindings.declined'
  })
  action('end', EndForm, async (res, id, form) => {
    await market.endBinding(res.locals.ctx, customerId(res), id, form.endOn)
    return 'market.bindings.ended'
  })
  router.get(
    `${BASE}/:id/files/:attachmentId`,
    attachmentDownload(deps, async (ctx, attachment, req) => {
      if (attachment.owner.type !== BINDING_OWNER || attachment.owner.id !== String(req.params.id))
        return false
      await market.bindingFor(ctx, req.res!.locals.customer!.id, String(req.params.id))
      return true
    }),
  )
  return router
}

const QueueFilter = z.object({ status: filterChoice(CENTRE_BINDING_STATUSES) })

/** The trading centre's side of retail binding: the list (those awaiting it first) and the decision. */
export function bindingAdminRoutes(deps: Deps, market: MarketServices): Router {
  const router = uuidIds(Router())
  router.use(STAFF, requireOperator(deps))
  router.get(STAFF, async (req, res) => {
    const read = readFilters(QueueFilter, req, res)
    const page = read.ok
      ? await market.bindingQueue(res.locals.ctx, read.data.status, PageParam.parse(req.query.page))
      : EMPTY_PAGE
    res.status(read.ok ? 200 : 422).render('admin/market/bindings', {
      page,
      pagination: pagination(req, page, res.locals.t('market.bindings.pages')),
      filters: req.query,
      errors: read.ok ? [] : read.errors,
      statuses: CENTRE_BINDING_STATUSES,
    })
  })
  const pageOf = (res: Response, id: string) => market.bindingForStaff(res.locals.ctx, id)
  router.get(`${STAFF}/:id`, async (req, res) => {
    res.render('admin/market/binding', { ...(await pageOf(res, String(req.params.id))), values: {} })
  })
  router.post(`${STAFF}/:id`, async (req, res) => {
    const id = String(req.params.id)
    const form = BindingDecisionForm.safeParse(req.body)
    if (!form.success)
      return renderInvalid(
        res,
        'admin/market/binding',
        fieldErrors(res, form.error),
        req.body,
        await pageOf(res, id),
      )
    res.locals.formPage = { view: 'admin/market/binding', locals: () => pageOf(res, id) }
    await market.decideBinding(res.locals.ctx, id, { to: form.data.decision, comment: form.data.comment })
    flash(req, { key: `market.bindings.decided.${form.data.decision}` })
    res.redirect(303, `${STAFF}/${id}`)
  })
  router.get(
    `${STAFF}/:id/files/:attachmentId`,
    attachmentDownload(deps, async (ctx, attachment, req) => {
      if (attachment.owner.type !== BINDING_OWNER || attachment.owner.id !== String(req.params.id))
        return false
      await market.bindingForStaff(ctx, String(req.params.id))
      return true
    }),
  )
  return router
}
