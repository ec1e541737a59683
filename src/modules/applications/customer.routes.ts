import { Router, type Request, type Response } from 'express'
import { z } from 'zod'
import type { Deps } from '../../deps.ts'
import { attachmentDownload, sendAttachment, sendPdf } from '../../http/download.ts'
import { flash } from '../../http/flash.ts'
import { formText, renderInvalid } from '../../http/forms.ts'
import { PageParam, pagination } from '../../http/lists.ts'
import { createLimiter, rateLimit } from '../../http/rate-limit.ts'
import { acceptUploads } from '../../http/upload.ts'
import { uuidIds } from '../../http/params.ts'
import { byRepresentative } from '../../platform/context.ts'
import { may } from '../../platform/representation.ts'
import { ConflictError, NotFoundError } from '../../platform/errors.ts'
import { newSubmissionId, submissionOf } from '../../platform/submissions.ts'
import { requireService } from '../services/index.ts'
import { ACCEPTED_IN } from './acceptance.service.ts'
import { MESSAGE_OWNER } from './chat.service.ts'
import { formValues, readApplicationForm, uploadFieldsOf } from './form.ts'
import { chatPage, earlierThan, messageUploads, readMessage, readUpTo } from './pages.ts'
import type { ApplicationServices } from './services.ts'
import type { ApplicationType } from './definition.ts'
import type { SentAs } from './service.ts'
import { APPLICATION_STATUSES, WORKFLOWS, availableFor, turnOf } from './workflows.ts'

const STATUS_FILTER = z.enum(APPLICATION_STATUSES).optional().catch(undefined)

const BASE = '/services/applications'

/** The customer's side (seed 002 "Заявки", seed 004): types, the form, my applications, chat, forms. */
export function applicationCustomerRoutes(deps: Deps, applications: ApplicationServices): Router {
  const router = uuidIds(Router(), 'id', 'receiptId')
  router.use(BASE, requireService(deps, 'applications'))
  const customerOf = (res: Response) => res.locals.customer!.id
  /** Types may be for individuals or legal entities only (seed 004's kinds of connection). */
  const categoryOf = (res: Response) => res.locals.customer!.category
  const reader = (res: Response) => ({ side: 'customer' as const, customerId: customerOf(res) })
  const chatLimit = createLimiter(deps.pool, { keyPrefix: 'chat', points: 30, durationSeconds: 600 })

  router.get(BASE, async (req, res) => {
    const status = STATUS_FILTER.parse(req.query.status)
    const page = await applications.customerList(res.locals.ctx, customerOf(res), {
      status,
      page: PageParam.parse(req.query.page),
    })
    res.render('customer/applications/list', {
      page,
      status,
      statuses: APPLICATION_STATUSES,
      pagination: pagination(req, page, res.locals.t('applications.list.title')),
      types: await applications.offeredTypes(res.locals.ctx, categoryOf(res)),
    })
  })

  router.get(`${BASE}/new`, async (_req, res) => {
    res.render('customer/applications/types', {
      types: await applications.offeredTypes(res.locals.ctx, categoryOf(res)),
    })
  })

  router.get(`${BASE}/forms`, async (_req, res) => {
    res.render('customer/applications/forms', {
      families: await applications.formLibrary(res.locals.ctx),
      types: await applications.listTypes(res.locals.ctx),
    })
  })

  router.get(`${BASE}/forms/:id`, async (req, res) => {
    const file = await applications.formFile(res.locals.ctx, String(req.params.id))
    await sendAttachment(res, file, deps.files.read(file.storageKey))
  })

  const typeOf = (req: Request, res: Response) =>
    applications.offeredType(res.locals.ctx, String(req.params.type), categoryOf(res))

  router.get(`${BASE}/new/:type`, async (req, res) => {
    const type = await typeOf(req, res)
    res.render('customer/applications/info', {
      type,
      families: await applications.formLibrary(res.locals.ctx, type.code),
    })
  })

  const formLocals = (type: ApplicationType, extra: object = {}) => ({
    type,
    action: `${BASE}/new/${type.code}`,
    submissionId: newSubmissionId(),
    files: [],
    ...extra,
  })

  router.get(`${BASE}/new/:type/form`, async (req, res) => {
    const type = await typeOf(req, res)
    res.render('customer/applications/form', { ...formLocals(type), values: {} })
  })

  router.post(
    `${BASE}/new/:type`,
    ...acceptUploads(deps, async (req, res) => uploadFieldsOf(await typeOf(req, res), res.locals.tenant!)),
    async (req, res) => {
      const type = await typeOf(req, res)
      const { input, action, errors } = readApplicationForm(req, res, type)
      const locals = formLocals(type, { submissionId: submissionOf(req.body) ?? newSubmissionId() })
      if (errors.length) return renderInvalid(res, 'customer/applications/form', errors, req.body, locals)
      res.locals.formPage = { view: 'customer/applications/form', locals: () => locals }
      const created = await applications.createApplication(
        res.locals.ctx,
        customerOf(res),
        type.code,
        input,
        req.upload?.files ?? [],
        action,
        submissionOf(req.body),
      )
      if (action === 'draft') {
        flash(req, { key: 'applications.form.draftSaved' })
        return res.redirect(303, `${BASE}/${created.id}/edit`)
      }
      sentTo(req, res, created.id, created.sentAs)
    },
  )

  /** After sending: the receipt page, or (a representative's, awaiting the customer) the application's page. */
  const sentTo = (req: Request, res: Response, id: string, sentAs: SentAs | undefined) => {
    if (sentAs !== 'confirming') return res.redirect(303, `${BASE}/${id}/sent`)
    flash(req, { key: 'applications.confirm.sentToCustomer' })
    res.redirect(303, `${BASE}/${id}`)
  }

  const view = (req: Request, res: Response) =>
    applications.viewApplication(res.locals.ctx, String(req.params.id), reader(res), {
      before: earlierThan(req),
    })

  /** What the application's page shows (also when a form on it is shown again with its errors). */
  const pageOf = (res: Response, shown: Awaited<ReturnType<typeof view>>) => ({
    ...shown,
    ...chatPage(res, shown, `${BASE}/${shown.application.id}`),
    turn: turnOf(WORKFLOWS[shown.workflow], shown.application.status),
    canWithdraw: availableFor(shown.workflow, shown.application.status, 'customer').includes('withdrawn'),
    canAccept: shown.application.status === ACCEPTED_IN,
    // A representative's application waits for the account's own people who may submit to confirm it.
    canConfirm:
      shown.application.status === 'confirming' &&
      !byRepresentative(res.locals.ctx) &&
      may(res.locals.representation, 'applications:submit'),
  })

  router.get(`${BASE}/:id`, async (req, res) => {
    res.render('customer/applications/view', pageOf(res, await view(req, res)))
  })

  router.post(`${BASE}/:id/accept`, async (req, res) => {
    const shown = await view(req, res)
    res.locals.formPage = {
      view: 'customer/applications/view',
      locals: () => ({ ...pageOf(res, shown), values: req.body as object }),
    }
    await applications.acceptDocument(res.locals.ctx, customerOf(res), String(req.params.id), {
      attachmentId: formText(req, 'document'),
      name: formText(req, 'signer'),
      confirmed: formText(req, 'confirm') === 'yes',
    })
    flash(req, { key: 'applications.accept.done' })
    res.redirect(303, `${BASE}/${String(req.params.id)}#acceptance`)
  })

  router.post(`${BASE}/:id/confirm`, async (req, res) => {
    await applications.answerConfirmation(res.locals.ctx, customerOf(res), String(req.params.id), {
      confirm: true,
    })
    res.redirect(303, `${BASE}/${String(req.params.id)}/sent`)
  })

  router.post(`${BASE}/:id/decline`, async (req, res) => {
    const shown = await view(req, res)
    res.locals.formPage = {
      view: 'customer/applications/view',
      locals: () => ({ ...pageOf(res, shown), values: req.body as object }),
    }
    await applications.answerConfirmation(res.locals.ctx, customerOf(res), String(req.params.id), {
      confirm: false,
      reason: formText(req, 'reason'),
    })
    flash(req, { key: 'applications.confirm.declined' })
    res.redirect(303, `${BASE}/${String(req.params.id)}`)
  })

  router.get(`${BASE}/:id/sent`, async (req, res) => {
    const shown = await view(req, res)
    if (shown.application.status !== 'submitted') return res.redirect(303, `${BASE}/${shown.application.id}`)
    res.render('customer/applications/sent', shown)
  })

  const editable = async (req: Request, res: Response) => {
    const shown = await view(req, res)
    if (!['draft', 'returned'].includes(shown.application.status)) return undefined
    return shown
  }
  const editLocals = (shown: Awaited<ReturnType<typeof view>>, type: ApplicationType) => ({
    type,
    action: `${BASE}/${shown.application.id}/edit`,
    application: shown.application,
    expected: shown.application.status,
    files: shown.files.filter((f) => f.field !== 'staff'),
    returnedWith: shown.application.status === 'returned' ? shown.history.at(-1)?.comment : undefined,
  })
  // A draft is continued on the type's newest version; a returned application on its own.
  const editType = async (res: Response, shown: Awaited<ReturnType<typeof view>>) =>
    shown.application.status === 'draft'
      ? applications.offeredType(res.locals.ctx, shown.type.code)
      : shown.type

  router.get(`${BASE}/:id/edit`, async (req, res) => {
    const shown = await editable(req, res)
    if (!shown) return res.redirect(303, `${BASE}/${String(req.params.id)}`)
    res.render('customer/applications/form', {
      ...editLocals(shown, await editType(res, shown)),
      values: formValues(shown.application.content),
    })
  })

  router.post(
    `${BASE}/:id/edit`,
    ...acceptUploads(deps, async (req, res) => {
      const shown = await editable(req, res)
      if (!shown) throw new ConflictError('application is no longer editable')
      return uploadFieldsOf(await editType(res, shown), res.locals.tenant!)
    }),
    async (req, res) => {
      const shown = await editable(req, res)
      if (!shown) throw new ConflictError('application is no longer editable')
      const type = await editType(res, shown)
      const { input, action, errors } = readApplicationForm(req, res, type)
      const locals = editLocals(shown, type)
      if (errors.length) return renderInvalid(res, 'customer/applications/form', errors, req.body, locals)
      res.locals.formPage = { view: 'customer/applications/form', locals: () => locals }
      const sentAs = await applications.updateApplication(
        res.locals.ctx,
        customerOf(res),
        shown.application.id,
        formText(req, 'expected'),
        input,
        req.upload?.files ?? [],
        action,
      )
      if (action === 'draft') {
        flash(req, { key: 'applications.form.draftSaved' })
        return res.redirect(303, `${BASE}/${shown.application.id}/edit`)
      }
      sentTo(req, res, shown.application.id, sentAs)
    },
  )

  router.post(`${BASE}/:id/withdraw`, async (req, res) => {
    await applications.withdrawApplication(
      res.locals.ctx,
      customerOf(res),
      String(req.params.id),
      formText(req, 'expected'),
    )
    flash(req, { key: 'applications.view.withdrawn' })
    res.redirect(303, `${BASE}/${String(req.params.id)}`)
  })

  router.post(
    `${BASE}/:id/messages`,
    rateLimit(chatLimit, (req) => [`customer:${req.session.customerId ?? 'none'}`]),
    ...acceptUploads(deps, messageUploads),
    async (req, res) => {
      const message = readMessage(req, res)
      if (message.errors.length) {
        return renderInvalid(
          res,
          'customer/applications/view',
          message.errors,
          req.body,
          pageOf(res, await view(req, res)),
        )
      }
      await applications.postMessage(
        res.locals.ctx,
        String(req.params.id),
        reader(res),
        message.body,
        req.upload?.files ?? [],
      )
      res.redirect(303, `${BASE}/${String(req.params.id)}#chat`)
    },
  )

  router.post(`${BASE}/:id/read`, async (req, res) => {
    const n = readUpTo(req)
    if (n === undefined) throw new NotFoundError('application')
    await applications.markRead(res.locals.ctx, String(req.params.id), reader(res), n)
    // The page's script posts in the background; the button without it goes back to the page.
    if (req.get('x-csrf-token')) return void res.status(204).end()
    res.redirect(303, `${BASE}/${String(req.params.id)}#chat`)
  })

  router.get(
    `${BASE}/:id/live`,
    deps.live.stream({
      async topic(req, res) {
        await applications.followableApplication(res.locals.ctx, String(req.params.id), reader(res))
        return `application:${String(req.params.id)}`
      },
    }),
  )

  router.get(
    `${BASE}/:id/files/:attachmentId`,
    attachmentDownload(deps, (ctx, attachment, req) =>
      ['application', MESSAGE_OWNER].includes(attachment.owner.type)
        ? applications.mayReadApplicationFile(ctx, attachment, String(req.params.id), {
            side: 'customer',
            // The account's, also when a colleague acting for it downloads (the actor is the person).
            customerId: req.res!.locals.customer!.id,
          })
        : false,
    ),
  )

  router.get(`${BASE}/:id/receipts/:receiptId`, async (req, res) => {
    const receipt = await applications.receiptOf(
      res.locals.ctx,
      String(req.params.id),
      String(req.params.receiptId),
      reader(res),
    )
    await sendPdf(res, receipt)
  })
  return router
}
