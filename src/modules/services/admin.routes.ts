import { PageParam, exportList, listPage, pagination } from '../../http/lists.ts'
import type { CsvColumn } from '../../platform/csv.ts'
import { submissionOf } from '../../platform/submissions.ts'
import { flash } from '../../http/flash.ts'
import { Router, type Request, type Response } from 'express'
import type { Deps } from '../../deps.ts'
import type { ServiceServices } from './services.ts'
import { NotFoundError } from '../../platform/errors.ts'
import { uuidIds } from '../../http/params.ts'
import { isUuid } from '../../platform/ids.ts'
import { fieldErrors } from '../../http/forms.ts'
import { filterText, readFilters } from '../../http/filters.ts'
import { z } from 'zod'
import { requireOperator } from '../operators/index.ts'
import {
  enrolmentStatus,
  accessRequestQuery,
  enrolmentQuery,
  type AccessRequestRow,
  type EnrolmentRow,
  type EnrolmentStatus,
} from './repo.ts'
import { enrolmentForm, serviceChoice } from './schemas.ts'

const STATUSES = ['pending', 'used', 'expired', 'revoked'] as const

const EnrolmentSearch = z.object({ q: filterText(100), service: filterText(40), status: filterText(20) })

/** Staff: the access-request queue, enrolments (issue, revoke, reissue) and a customer's services. */
export function serviceAdminRoutes(deps: Deps, services: ServiceServices): Router {
  const router = uuidIds(Router())
  router.use(
    ['/admin/enrolments', '/admin/enrolments.csv', '/admin/access-requests', '/admin/access-requests.csv'],
    requireOperator(deps),
  )

  const filterOf = (query: Record<string, unknown>) => ({
    status: STATUSES.find((s): s is EnrolmentStatus => s === query.status),
    service: typeof query.service === 'string' && query.service ? query.service : undefined,
    q: typeof query.q === 'string' ? query.q.trim().slice(0, 100) : undefined,
  })
  const queryString = (values: Record<string, string | undefined>) =>
    new URLSearchParams(Object.entries(values).filter((e): e is [string, string] => Boolean(e[1]))).toString()

  const renderEnrolments = async (
    req: Request,
    res: Response,
    status: number,
    query: Record<string, unknown>,
    locals: object = {},
  ) => {
    const now = deps.clock.now()
    const filter = filterOf(query)
    const page = await listPage<EnrolmentRow>(
      deps.db,
      res.locals.ctx,
      (trx) => enrolmentQuery(trx, filter, now),
      PageParam.parse(query.page),
    )
    res.status(status).render('admin/services/enrolments', {
      enrolments: page.rows.map((e) => ({ ...e, status: enrolmentStatus(e, now) })),
      page,
      pagination: pagination(req, page, res.locals.t('admin.enrolments.pages')),
      csvHref: `/admin/enrolments.csv?${queryString(filter)}`,
      filter,
      statuses: STATUSES,
      values: {},
      ...locals,
    })
  }

  /** Searches with control characters are said beside the field (422), and nothing is queried. */
  const filtersOk = async (req: Request, res: Response): Promise<boolean> => {
    const read = readFilters(EnrolmentSearch, req, res)
    // The service filter's select is `filter-service` (the issue form below has its own `service`).
    const errors = read.ok
      ? []
      : read.errors.map((e) =>
          e.field === 'service' ? { ...e, field: 'filter-service', href: '#filter-service' } : e,
        )
    if (!read.ok) await renderEnrolments(req, res, 422, {}, { errors })
    return read.ok
  }
  router.get('/admin/enrolments', async (req, res) => {
    if (!(await filtersOk(req, res))) return
    await renderEnrolments(req, res, 200, req.query)
  })
  router.get('/admin/enrolments.csv', async (req, res) => {
    if (!(await filtersOk(req, res))) return
    const t = res.locals.t
    const now = deps.clock.now()
    const columns: CsvColumn<EnrolmentRow>[] = [
      { header: t('services.fields.company'), value: (e) => e.company },
      { header: t('accounts.fields.email'), value: (e) => e.email },
      { header: t('services.fields.phone'), value: (e) => e.phone },
      { header: t('services.fields.service'), value: (e) => t(`services.${e.service}.name`) },
      {
        header: t('admin.customers.status'),
        value: (e) => t(`admin.enrolments.statuses.${enrolmentStatus(e, now)}`),
      },
      { header: t('admin.enrolments.expires'), value: (e) => res.locals.fmt.dateTime(e.expires_at) },
    ]
    await exportList(res, deps.db, 'enrolments.csv', columns, (trx) =>
      enrolmentQuery(trx, filterOf(req.query), now),
    )
  })
  router.post('/admin/enrolments', async (req, res) => {
    const form = enrolmentForm(res.locals.tenant!).safeParse(req.body)
    if (!form.success)
      return renderEnrolments(
        req,
        res,
        422,
        {},
        { errors: fieldErrors(res, form.error), values: req.body as unknown },
      )
    const requestId =
      typeof (req.body as { requestId?: unknown }).requestId === 'string'
        ? (req.body as { requestId: string }).requestId
        : undefined
    const issued = await services.issueEnrolment(res.locals.ctx, {
      ...form.data,
      requestId: requestId && isUuid(requestId) ? requestId : undefined,
      submission: submissionOf(req.body),
    })
    // Shown once to the operator too, for a customer on the phone; the email carries it as
    // well. A resent form issued nothing new: the first answer's message stands.
    if (issued !== 'duplicate') flash(req, { key: 'admin.enrolments.issued', secret: issued.token })
    res.redirect(303, '/admin/enrolments')
  })
  router.post('/admin/enrolments/:id', async (req, res) => {
    const action = (req.body as { action?: unknown }).action
    const id = req.params.id
    if (action === 'reissue') {
      const reissued = await services.reissue(res.locals.ctx, id)
      if (!reissued) throw new NotFoundError('enrolment')
      // Like issuing: the new token shown once to the operator, and emailed.
      flash(req, {
        key: 'admin.enrolments.reissued',
        params: { email: reissued.email },
        secret: reissued.token,
      })
      return res.redirect(303, '/admin/enrolments')
    }
    if (action === 'revoke') {
      // A revocation cannot be undone: it is asked once more, with what it stops.
      const enrolment = await services.enrolmentForStaff(res.locals.ctx, id)
      if (!enrolment) throw new NotFoundError('enrolment')
      return res.render('admin/services/revoke', { enrolment })
    }
    if (action !== 'revoke-confirmed') throw new NotFoundError('enrolment action')
    const enrolment = await services.enrolmentForStaff(res.locals.ctx, id)
    if (!enrolment) throw new NotFoundError('enrolment')
    // Sent twice, the second is answered like the first; a used token cannot be revoked.
    if (!(await services.revoke(res.locals.ctx, id)) && !enrolment.revoked_at)
      throw new NotFoundError('enrolment not revocable')
    flash(req, { key: 'admin.enrolments.revoked', params: { email: enrolment.email } })
    res.redirect(303, '/admin/enrolments')
  })

  router.get('/admin/access-requests', async (req, res) => {
    const open = req.query.all !== '1'
    const page = await listPage<AccessRequestRow>(
      deps.db,
      res.locals.ctx,
      (trx) => accessRequestQuery(trx, open),
      PageParam.parse(req.query.page),
    )
    res.render('admin/services/requests', {
      requests: page.rows,
      page,
      open,
      pagination: pagination(req, page, res.locals.t('admin.requests.pages')),
      csvHref: `/admin/access-requests.csv${open ? '' : '?all=1'}`,
    })
  })
  router.get('/admin/access-requests.csv', async (req, res) => {
    const t = res.locals.t
    const columns: CsvColumn<AccessRequestRow>[] = [
      { header: t('services.fields.company'), value: (r) => r.company },
      { header: t('accounts.fields.email'), value: (r) => r.email },
      { header: t('services.fields.phone'), value: (r) => r.phone },
      { header: t('services.fields.service'), value: (r) => t(`services.${r.service}.name`) },
      { header: t('admin.requests.received'), value: (r) => res.locals.fmt.dateTime(r.created_at) },
      {
        header: t('admin.requests.handled'),
        value: (r) => (r.handled_at ? res.locals.fmt.dateTime(r.handled_at) : ''),
      },
    ]
    await exportList(res, deps.db, 'access-requests.csv', columns, (trx) =>
      accessRequestQuery(trx, req.query.all !== '1'),
    )
  })
  router.get('/admin/access-requests/:id', async (req, res) => {
    const request = await services.accessRequestForStaff(res.locals.ctx, req.params.id)
    await renderEnrolments(req, res, 200, {}, { values: { ...request, requestId: request.id } })
  })

  router.post('/admin/customers/:id/services', requireOperator(deps), async (req, res) => {
    const id = String(req.params.id)
    const body = req.body as { service?: unknown; action?: unknown }
    const service = serviceChoice(res.locals.tenant!).safeParse(body.service)
    if (!service.success || (body.action !== 'add' && body.action !== 'remove'))
      throw new NotFoundError('service change')
    const outcome = await services.changeCustomerService(
      res.locals.ctx,
      id,
      service.data,
      body.action === 'add',
    )
    if (outcome === 'missing') throw new NotFoundError('customer')
    res.redirect(303, `/admin/customers/${id}`)
  })
  return router
}
