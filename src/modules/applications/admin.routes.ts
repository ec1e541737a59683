import { Router, type Request, type Response } from 'express'
import { z } from 'zod'
import { EMPTY_PAGE, filterDay, filterText, readFilters } from '../../http/filters.ts'
import type { Deps } from '../../deps.ts'
import { attachmentDownload, sendPdf } from '../../http/download.ts'
import { flash } from '../../http/flash.ts'
import { formText, renderInvalid } from '../../http/forms.ts'
import { exportList, PageParam, pagination } from '../../http/lists.ts'
import { createLimiter, rateLimit } from '../../http/rate-limit.ts'
import { acceptUploads, type UploadField } from '../../http/upload.ts'
import { uuidIds } from '../../http/params.ts'
import { InvalidFieldError, NotFoundError } from '../../platform/errors.ts'
import { isUuid } from '../../platform/ids.ts'
import { tenantText } from '../../platform/tenancy/texts.ts'
import { dayOf } from '../../platform/time/intervals.ts'
import { requireOperator } from '../operators/index.ts'
import { MESSAGE_OWNER } from './chat.service.ts'
import { OPEN_FOR_STAFF, queueQuery, type ListedApplication, type QueueFilter } from './list.service.ts'
import { chatPage, earlierThan, messageUploads, readMessage, readUpTo } from './pages.ts'
import { pastCompleteBy } from './service.ts'
import type { ApplicationServices } from './services.ts'
import { applicationsSettings } from './settings.ts'
import { formLibraryRoutes } from './forms.routes.ts'
import { typeAdminRoutes } from './types.routes.ts'
import { SENT_STATUSES, WORKFLOWS, availableFor } from './workflows.ts'

const Filter = z.object({
  type: z
    .string()
    .regex(/^[a-z][a-z0-9]{0,23}$/)
    .optional()
    .catch(undefined),
  status: z.enum(SENT_STATUSES).optional().catch(undefined),
  overdue: z.literal('1').optional().catch(undefined),
  assignee: z.string().optional().catch(undefined),
  from: filterDay,
  to: filterDay,
  q: filterText(100),
})

const BASE = '/admin/applications'

/** The staff side: the queue, an application's page with its workflow moves, chat and documents. */
export function applicationAdminRoutes(deps: Deps, applications: ApplicationServices): Router {
  const router = uuidIds(Router(), 'id', 'receiptId')
  router.use([BASE, '/admin/applications.csv'], requireOperator(deps))
  const chatLimit = createLimiter(deps.pool, { keyPrefix: 'staff-chat', points: 120, durationSeconds: 600 })

  /** The queue's filters, or undefined once a 422 with the fields' messages has been sent. */
  const filterOf = async (req: Request, res: Response): Promise<QueueFilter | undefined> => {
    const read = readFilters(Filter, req, res)
    if (!read.ok) {
      renderInvalid(res, 'admin/applications/queue', read.errors, undefined, {
        ...(await queueChoices(res)),
        page: EMPTY_PAGE,
        filter: req.query,
        csvHref: '/admin/applications.csv',
      })
      return undefined
    }
    const f = read.data
    return {
      ...f,
      overdue: f.overdue === '1',
      assignee:
        f.assignee === 'me'
          ? res.locals.operator!.id
          : f.assignee === 'none' || (f.assignee && isUuid(f.assignee))
            ? f.assignee
            : undefined,
      q: f.q || undefined,
    }
  }
  const queueChoices = async (res: Response) => ({
    types: await applications.listTypes(res.locals.ctx),
    operators: await applications.assignableStaff(res.locals.ctx),
    statuses: SENT_STATUSES,
    today: new Date(deps.clock.now()),
    openForStaff: OPEN_FOR_STAFF,
  })

  router.get(BASE, async (req, res) => {
    const filter = await filterOf(req, res)
    if (!filter) return
    const page = await applications.staffQueue(res.locals.ctx, filter, PageParam.parse(req.query.page))
    const query = new URLSearchParams(
      Object.entries(req.query).filter(([k, v]) => k !== 'page' && typeof v === 'string') as [
        string,
        string,
      ][],
    )
    res.render('admin/applications/queue', {
      ...(await queueChoices(res)),
      page,
      filter: req.query,
      pagination: pagination(req, page, res.locals.t('applications.queue.title')),
      csvHref: `/admin/applications.csv?${query.toString()}`,
    })
  })

  router.get('/admin/applications.csv', async (req, res) => {
    const filter = await filterOf(req, res)
    if (!filter) return
    const t = res.locals.t
    const fmt = res.locals.fmt
    const name = (r: ListedApplication) =>
      tenantText(r.type_name, res.locals.locale, res.locals.tenant!.settings.defaultLocale)?.text ??
      r.type_code
    await exportList<ListedApplication>(
      res,
      deps.db,
      'applications.csv',
      [
        { header: t('applications.fields.number'), value: (r) => r.number ?? '' },
        { header: t('applications.fields.type'), value: name },
        { header: t('applications.fields.customer'), value: (r) => r.customer_name ?? '' },
        { header: t('accounts.fields.email'), value: (r) => r.customer_email ?? '' },
        { header: t('applications.fields.status'), value: (r) => t(`applications.statuses.${r.status}`) },
        {
          header: t('applications.fields.submitted'),
          value: (r) => (r.submitted_at ? fmt.dateTime(r.submitted_at) : ''),
        },
        { header: t('applications.fields.due'), value: (r) => (r.due_on ? fmt.date(r.due_on) : '') },
        { header: t('applications.fields.assignee'), value: (r) => r.assignee_email ?? '' },
      ],
      (trx) => queueQuery(trx, res.locals.ctx, deps.clock.now(), filter),
    )
  })

  const view = (req: Request, res: Response) => {
    return applications.viewApplication(
      res.locals.ctx,
      String(req.params.id),
      { side: 'staff' },
      { before: earlierThan(req) },
    )
  }
  // The page is also rendered by the error handler (a refused move), where the route's
  // params are gone: everything it needs is taken from the request now.
  const pageLocals = async (req: Request, res: Response) => pageOf(res, await view(req, res))
  const formPage = async (req: Request, res: Response) => {
    const shown = await view(req, res)
    return { view: 'admin/applications/view', locals: () => pageOf(res, shown) }
  }
  const pageOf = async (res: Response, shown: Awaited<ReturnType<typeof view>>) => {
    const role = res.locals.operator!.role
    return {
      ...shown,
      ...chatPage(res, shown, `${BASE}/${shown.application.id}`),
      moves: availableFor(shown.workflow, shown.application.status, role)
        // A returned application is closed only after its day to complete has passed.
        .filter(
          (to) =>
            !(
              shown.application.status === 'returned' &&
              to === 'rejected' &&
              !pastCompleteBy(
                shown.application,
                dayOf(deps.clock.now(), res.locals.tenant!.settings.timeZone),
              )
            ),
        )
        .map((to) => ({
          to,
          comment: WORKFLOWS[shown.workflow].transitions.find(
            (x) => x.from === shown.application.status && x.to === to,
          )!.comment,
        })),
      customer: await applications.customerOf(res.locals.ctx, shown.application.customer_id),
      notes: await applications.notesOf(res.locals.ctx, shown.application.id),
      operators: await applications.assignableStaff(res.locals.ctx),
      values: {},
    }
  }

  router.get(`${BASE}/:id`, async (req, res) => {
    res.render('admin/applications/view', await pageLocals(req, res))
  })

  /** The days a customer gets to complete a returned application: none, or 1–90 working days. */
  const completeDaysOf = (req: Request): number | undefined => {
    const raw = formText(req, 'completeDays').trim()
    if (!raw) return undefined
    const days = Number(raw)
    if (!Number.isInteger(days) || days < 1 || days > 90)
      throw new InvalidFieldError('completeDays', 'applications.errors.completeDays')
    return days
  }

  const staffDocuments = (_req: Request, res: Response): UploadField[] => {
    const { maxFileMb, maxFiles } = applicationsSettings.of(res.locals.tenant!)
    return [
      { field: 'staff', allow: ['pdf', 'jpeg', 'png', 'zip'], maxBytes: maxFileMb * 1024 * 1024, maxFiles },
    ]
  }

  router.post(`${BASE}/:id/status`, ...acceptUploads(deps, staffDocuments), async (req, res) => {
    res.locals.formPage = await formPage(req, res)
    if (req.upload?.errors.length)
      return renderInvalid(
        res,
        'admin/applications/view',
        req.upload.errors,
        req.body,
        await res.locals.formPage.locals(),
      )
    await applications.moveApplication(
      res.locals.ctx,
      String(req.params.id),
      {
        to: formText(req, 'to'),
        expected: formText(req, 'expected'),
        comment: formText(req, 'comment').slice(0, 4000),
        completeDays: completeDaysOf(req),
      },
      req.upload?.files ?? [],
    )
    flash(req, { key: 'applications.admin.moved' })
    res.redirect(303, `${BASE}/${String(req.params.id)}`)
  })

  router.post(`${BASE}/:id/assign`, async (req, res) => {
    const raw = formText(req, 'assignee')
    const assignee = raw === 'me' ? res.locals.operator!.id : raw === '' ? null : raw
    res.locals.formPage = await formPage(req, res)
    if (assignee && !isUuid(assignee))
      return renderInvalid(
        res,
        'admin/applications/view',
        [{ field: 'assignee', text: res.locals.t('applications.errors.assignee'), href: '#assignee' }],
        req.body,
        await pageLocals(req, res),
      )
    await applications.assignApplication(res.locals.ctx, String(req.params.id), assignee)
    flash(req, { key: 'applications.admin.assigned' })
    res.redirect(303, `${BASE}/${String(req.params.id)}`)
  })

  router.post(`${BASE}/:id/notes`, async (req, res) => {
    const page = await formPage(req, res)
    // A refused note is shown again as typed.
    res.locals.formPage = {
      view: page.view,
      locals: async () => ({ ...(await page.locals()), values: { note: formText(req, 'note') } }),
    }
    await applications.addNote(res.locals.ctx, String(req.params.id), formText(req, 'note'))
    flash(req, { key: 'applications.notes.added' })
    res.redirect(303, `${BASE}/${String(req.params.id)}#notes`)
  })

  // The documents form's own field, so its errors show beside it; stored as staff documents.
  const documentUploads = (req: Request, res: Response): UploadField[] =>
    staffDocuments(req, res).map((f) => ({ ...f, field: 'document', required: true }))
  router.post(`${BASE}/:id/documents`, ...acceptUploads(deps, documentUploads), async (req, res) => {
    if (req.upload?.errors.length)
      return renderInvalid(
        res,
        'admin/applications/view',
        req.upload.errors,
        req.body,
        await pageLocals(req, res),
      )
    await applications.addStaffDocuments(
      res.locals.ctx,
      String(req.params.id),
      (req.upload?.files ?? []).map((f) => ({ ...f, field: 'staff' })),
    )
    flash(req, { key: 'applications.admin.documentsAdded' })
    res.redirect(303, `${BASE}/${String(req.params.id)}#documents`)
  })

  router.post(
    `${BASE}/:id/messages`,
    rateLimit(chatLimit, (req) => [`operator:${req.session.operatorId ?? 'none'}`]),
    ...acceptUploads(deps, messageUploads),
    async (req, res) => {
      const message = readMessage(req, res)
      if (message.errors.length)
        return renderInvalid(
          res,
          'admin/applications/view',
          message.errors,
          req.body,
          await pageLocals(req, res),
        )
      await applications.postMessage(
        res.locals.ctx,
        String(req.params.id),
        { side: 'staff' },
        message.body,
        req.upload?.files ?? [],
      )
      res.redirect(303, `${BASE}/${String(req.params.id)}#chat`)
    },
  )

  router.post(`${BASE}/:id/read`, async (req, res) => {
    const n = readUpTo(req)
    if (n === undefined) throw new NotFoundError('application')
    await applications.markRead(res.locals.ctx, String(req.params.id), { side: 'staff' }, n)
    // The page's script posts in the background; the button without it goes back to the page.
    if (req.get('x-csrf-token')) return void res.status(204).end()
    res.redirect(303, `${BASE}/${String(req.params.id)}#chat`)
  })

  router.get(
    `${BASE}/:id/live`,
    deps.live.stream({
      // Reconnecting re-checks access only: reading the page is what moves the read marker.
      async topic(req, res) {
        await applications.followableApplication(res.locals.ctx, String(req.params.id), { side: 'staff' })
        return `application:${String(req.params.id)}`
      },
    }),
  )

  router.get(
    `${BASE}/:id/files/:attachmentId`,
    attachmentDownload(deps, (ctx, attachment, req) =>
      ['application', MESSAGE_OWNER].includes(attachment.owner.type)
        ? applications.mayReadApplicationFile(ctx, attachment, String(req.params.id), { side: 'staff' })
        : false,
    ),
  )

  router.get(`${BASE}/:id/receipts/:receiptId`, async (req, res) => {
    const receipt = await applications.receiptOf(
      res.locals.ctx,
      String(req.params.id),
      String(req.params.receiptId),
      {
        side: 'staff',
      },
    )
    await sendPdf(res, receipt)
  })

  router.use(formLibraryRoutes(deps, applications), typeAdminRoutes(deps, applications))
  return router
}
