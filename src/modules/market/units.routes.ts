import { Router, type Request, type Response } from 'express'
import type { z } from 'zod'
import type { Deps } from '../../deps.ts'
import { flash } from '../../http/flash.ts'
import { fieldErrors, renderInvalid } from '../../http/forms.ts'
import { uuidIds } from '../../http/params.ts'
import { acceptUploads } from '../../http/upload.ts'
import { NotFoundError } from '../../platform/errors.ts'
import type { Registration } from './registration.service.ts'
import { UNIT_DOCUMENTS, type Part } from './rules.ts'
import { ConsumptionUnitForm, GENERATING_TYPES, GeneratingUnitForm, VOLTAGE_LEVELS } from './schemas.ts'
import type { MarketServices } from './services.ts'
import { marketSettings } from './settings.ts'

const UNITS = '/services/market/registration/units'

export interface WizardHelpers {
  own(res: Response): Promise<Registration>
  common(registration: Registration | undefined): {
    registration: Registration | undefined
    parts: Part[]
    editable(part: Part | 'type'): boolean
  }
}

/**
 * The units step (items 4–5): a power user's consumption units (each one metering point;
 * a point added twice is merged and the page says so), a generation company's generating
 * units, each with its two approvals as PDF.
 */
export function unitRoutes(deps: Deps, market: MarketServices, wizard: WizardHelpers): Router {
  const router = uuidIds(Router())
  const customerId = (res: Response) => res.locals.customer!.id
  const locals = (res: Response, registration: Registration) => ({
    ...wizard.common(registration),
    voltageLevels: VOLTAGE_LEVELS,
    unitTypes: GENERATING_TYPES,
    canQuery: marketSettings.of(res.locals.tenant!).customerSystem !== '',
  })

  router.get(UNITS, async (_req, res) => {
    res.render('customer/market/units', { ...locals(res, await wizard.own(res)), values: {} })
  })
  router.post(UNITS, async (req, res) => {
    const registration = await wizard.own(res)
    const invalid = (error: z.ZodError) =>
      renderInvalid(
        res,
        'customer/market/units',
        fieldErrors(res, error),
        req.body,
        locals(res, registration),
      )
    if (registration.member.member_type === 'generator') {
      const form = GeneratingUnitForm.safeParse(req.body)
      if (!form.success) return invalid(form.error)
      const id = await market.addGeneratingUnit(res.locals.ctx, customerId(res), form.data)
      flash(req, { key: 'market.units.added' })
      return res.redirect(303, `${UNITS}/${id}`)
    }
    if (registration.member.member_type !== 'power_user') throw new NotFoundError('units')
    const form = ConsumptionUnitForm.safeParse(req.body)
    if (!form.success) return invalid(form.error)
    const { merged } = await market.addConsumptionUnits(res.locals.ctx, customerId(res), [form.data])
    flash(
      req,
      merged.length
        ? { key: 'market.units.merged', params: { points: merged.join(', ') } }
        : { key: 'market.units.added' },
    )
    res.redirect(303, UNITS)
  })
  router.post(`${UNITS}/:id/remove`, async (req, res) => {
    await market.removeUnit(res.locals.ctx, customerId(res), String(req.params.id))
    flash(req, { key: 'market.units.removed' })
    res.redirect(303, UNITS)
  })

  const unitOf = (registration: Registration, id: string) => {
    const unit = registration.units.find((u) => u.id === id && u.kind === 'generating')
    if (!unit) throw new NotFoundError('generating unit')
    return unit
  }
  const documentFields = (res: Response) =>
    UNIT_DOCUMENTS.map((field) => ({
      field,
      allow: ['pdf'] as const,
      maxBytes: marketSettings.of(res.locals.tenant!).attachmentMaxMb * 1024 * 1024,
      maxFiles: 1,
    }))
  router.get(`${UNITS}/:id`, async (req, res) => {
    const registration = await wizard.own(res)
    res.render('customer/market/unit', {
      ...locals(res, registration),
      unit: unitOf(registration, String(req.params.id)),
      documents: UNIT_DOCUMENTS,
    })
  })
  const registrations = new WeakMap<Request, Registration>()
  router.post(
    `${UNITS}/:id`,
    ...acceptUploads(deps, async (req, res) => {
      const registration = await wizard.own(res)
      unitOf(registration, String(req.params.id))
      registrations.set(req, registration)
      return documentFields(res)
    }),
    async (req: Request, res: Response) => {
      const registration = registrations.get(req)!
      const unit = unitOf(registration, String(req.params.id))
      const upload = req.upload!
      if (upload.errors.length)
        return renderInvalid(
          res,
          'customer/market/unit',
          upload.errors,
          {},
          {
            ...locals(res, registration),
            unit,
            documents: UNIT_DOCUMENTS,
          },
        )
      if (upload.files.length) {
        await market.addUnitDocuments(res.locals.ctx, customerId(res), unit.id, upload.files)
        flash(req, { key: 'market.attachments.added', params: { count: String(upload.files.length) } })
      }
      res.redirect(303, `${UNITS}/${unit.id}`)
    },
  )
  router.post(`${UNITS}/:id/files/:attachmentId/remove`, async (req, res) => {
    await market.removeUnitDocument(
      res.locals.ctx,
      customerId(res),
      String(req.params.id),
      String(req.params.attachmentId),
    )
    flash(req, { key: 'market.attachments.removed' })
    res.redirect(303, `${UNITS}/${String(req.params.id)}`)
  })
  return router
}
