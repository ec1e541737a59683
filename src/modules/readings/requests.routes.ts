import { readFile, rm } from 'node:fs/promises'
import { Router, type Request, type Response } from 'express'
import { z } from 'zod'
import type { Deps } from '../../deps.ts'
import { flash } from '../../http/flash.ts'
import { fieldErrors, formText, renderInvalid, type FieldError } from '../../http/forms.ts'
import { PageParam, pagination } from '../../http/lists.ts'
import { uuidIds } from '../../http/params.ts'
import { acceptUploads } from '../../http/upload.ts'
import { MULTI_LINE } from '../../platform/text.ts'
import { requireOperator } from '../operators/index.ts'
import { keptPhotos, PHOTO_FIELD } from './forms.ts'
import { METER_COLUMNS, MeterImportRefusedError } from './meter-import.service.ts'
import { amrCode, Day, meterNumber, meterObject, registerFields } from './schemas.ts'
import type { ReadingsServices } from './services.ts'
import { readingsSettings } from './settings.ts'

const NEW = '/services/readings/meters/new'
const STAFF = '/admin/readings/requests'

const RequestForm = z.object({
  number: meterNumber,
  object: meterObject,
  tariff: z.string('readings.meters.errors.tariff').min(1, 'readings.meters.errors.tariff'),
})

const ConfirmForm = z.object({ ...registerFields, installedOn: Day, amrCode })

/**
 * A meter the utility does not know yet (item 1): the customer asks for it with a photo,
 * staff confirm it (adding the register's details the photo shows) or decline with a reason.
 */
export function requestRoutes(deps: Deps, readings: ReadingsServices): Router {
  const router = uuidIds(Router())
  router.use(STAFF, requireOperator(deps))
  const formLocals = (res: Response) => ({ tariffs: readingsSettings.of(res.locals.tenant!).tariffs })

  router.get(NEW, (_req, res) => {
    res.render('customer/readings/request', { ...formLocals(res), values: {} })
  })

  router.post(
    NEW,
    ...acceptUploads(deps, [{ ...PHOTO_FIELD, required: true }]),
    async (req: Request, res: Response) => {
      const form = RequestForm.safeParse(req.body)
      const errors = [...(form.success ? [] : fieldErrors(res, form.error)), ...(req.upload?.errors ?? [])]
      if (!form.success || errors.length)
        return renderInvalid(res, 'customer/readings/request', errors, req.body, formLocals(res))
      const photos = await keptPhotos(deps, res, req.upload!.files)
      if (!Array.isArray(photos))
        return renderInvalid(res, 'customer/readings/request', [photos], req.body, formLocals(res))
      try {
        res.locals.formPage = { view: 'customer/readings/request', locals: () => formLocals(res) }
        await readings.requestMeter(res.locals.ctx, res.locals.customer!.id, form.data, photos)
      } finally {
        for (const photo of photos) await rm(photo.path, { force: true })
      }
      flash(req, { key: 'readings.requests.sent' })
      res.redirect(303, '/services/readings')
    },
  )

  const staffPage = async (req: Request, res: Response) => {
    const page = await readings.pendingRequests(res.locals.ctx, PageParam.parse(req.query.page))
    return { page, pagination: pagination(req, page, res.locals.t('readings.requests.pages')) }
  }

  router.get(STAFF, async (req, res) => {
    res.render('admin/readings/requests', { ...(await staffPage(req, res)), values: {} })
  })

  router.post(`${STAFF}/:id`, async (req, res) => {
    const id = String(req.params.id)
    const action = formText(req, 'action')
    const again = async (errors: FieldError[]) =>
      renderInvalid(
        res,
        'admin/readings/requests',
        errors,
        { [id]: req.body as unknown },
        await staffPage(req, res),
      )
    const prefixed = (errors: FieldError[]) =>
      errors.map((e) => ({ ...e, field: `${e.field}-${id}`, href: `#${e.field}-${id}` }))
    if (action === 'decline') {
      const note = formText(req, 'note').trim()
      if (!note || note.length > 500 || !MULTI_LINE.test(note))
        return again(
          prefixed([{ field: 'note', text: res.locals.t('readings.requests.errors.note'), href: '' }]),
        )
      await readings.decideRequest(res.locals.ctx, id, { to: 'declined', note })
    } else if (action === 'confirm') {
      const form = ConfirmForm.safeParse(req.body)
      if (!form.success) return again(prefixed(fieldErrors(res, form.error)))
      res.locals.formPage = { view: 'admin/readings/requests', locals: () => staffPage(req, res) }
      await readings.decideRequest(res.locals.ctx, id, {
        to: 'confirmed',
        ...form.data,
        amrCode: form.data.amrCode ?? null,
      })
    } else return void res.status(404).render('errors/404')
    flash(req, { key: `readings.requests.${action === 'confirm' ? 'confirmed' : 'declined'}` })
    res.redirect(303, STAFF)
  })
  return router
}

const IMPORT = '/admin/readings/meters/import'
const CSV_FIELD = { field: 'file', allow: ['csv'], maxBytes: 2 * 1024 * 1024, required: true } as const

/**
 * Staff's CSV of meters (item 1): upload → a preview with every line's problems → add them
 * all. Registered before the meters' `/:id` routes (`import` is no meter id).
 */
export function meterImportRoutes(deps: Deps, readings: ReadingsServices): Router {
  const router = uuidIds(Router())
  router.use(IMPORT, requireOperator(deps))

  router.get(IMPORT, (_req, res) => {
    res.render('admin/readings/meter-import', { columns: METER_COLUMNS, values: {} })
  })

  router.post(IMPORT, ...acceptUploads(deps, [CSV_FIELD]), async (req, res) => {
    const upload = req.upload!
    if (upload.errors.length)
      return renderInvalid(res, 'admin/readings/meter-import', upload.errors, {}, { columns: METER_COLUMNS })
    const file = upload.files[0]!
    const id = await readings.previewMeterImport(
      res.locals.ctx,
      file.originalName,
      await readFile(file.path, 'utf8'),
    )
    res.redirect(303, `${IMPORT}/${id}`)
  })

  router.get(`${IMPORT}/:id`, async (req, res) => {
    res.render('admin/readings/meter-preview', {
      preview: await readings.meterImportOf(res.locals.ctx, String(req.params.id)),
    })
  })

  router.post(`${IMPORT}/:id`, async (req, res) => {
    const preview = await readings.meterImportOf(res.locals.ctx, String(req.params.id))
    try {
      const added = await readings.applyMeterImport(res.locals.ctx, preview.id)
      flash(req, { key: 'readings.meterImport.added', params: { count: String(added) } })
      res.redirect(303, '/admin/readings/meters')
    } catch (err) {
      if (!(err instanceof MeterImportRefusedError)) throw err
      const text = `${res.locals.t('readings.meterImport.line', { line: err.line })}: ${res.locals.t(err.key)}`
      renderInvalid(
        res,
        'admin/readings/meter-preview',
        [{ field: 'apply', text, href: '#apply' }],
        {},
        { preview },
      )
    }
  })
  return router
}
