import { Router, type Request, type Response } from 'express'
import type { z } from 'zod'
import type { Deps } from '../../deps.ts'
import { attachmentDownload } from '../../http/download.ts'
import { flash } from '../../http/flash.ts'
import { fieldErrors, formText, renderInvalid } from '../../http/forms.ts'
import { uuidIds } from '../../http/params.ts'
import { acceptUploads, type UploadField } from '../../http/upload.ts'
import { NotFoundError } from '../../platform/errors.ts'
import type { Registration } from './registration.service.ts'
import { editable, MEMBER_OWNER, UNIT_OWNER } from './registration.service.ts'
import { asksLicence, isAsked, partsOf, type Part } from './rules.ts'
import {
  BasicForm,
  businessForm,
  contactsForm,
  MemberTypeForm,
  parametersForm,
  VOLTAGE_LEVELS,
} from './schemas.ts'
import type { MarketServices } from './services.ts'
import { marketSettings, MEMBER_TYPES, type MemberType } from './settings.ts'
import { pointRoutes } from './points.routes.ts'
import { unitRoutes } from './units.routes.ts'

export const REGISTRATION = '/services/market/registration'
const FORM_PARTS = ['basic', 'business', 'contacts', 'parameters'] as const
type FormPart = (typeof FORM_PARTS)[number]

/** A saved registration's columns as the part forms name their fields. */
export function formValues(r: Registration['member']): Record<string, string> {
  const text = (v: string | number | null) => (v === null ? '' : String(v))
  return {
    companyName: text(r.company_name),
    dispatchName: text(r.dispatch_name),
    legalRepresentativeId: text(r.legal_representative_id),
    uscc: text(r.uscc),
    licenceExempt: r.licence_exempt === null ? '' : r.licence_exempt ? 'yes' : 'no',
    licenceState: text(r.licence_state),
    licenceNumber: text(r.licence_number),
    licenceExpectedOn: text(r.licence_expected_on),
    contactName: text(r.contact_name),
    contactPhone: text(r.contact_phone),
    contactEmail: text(r.contact_email),
    voltageLevel: text(r.voltage_level),
    annualConsumption: text(r.annual_consumption_mwh),
    installedCapacity: text(r.installed_capacity_mw),
    registeredCapital: text(r.registered_capital_cny),
  }
}

/** A part's form and the columns it writes. */
function partSchema(part: FormPart, res: Response, type: MemberType): z.ZodType<Record<string, unknown>> {
  if (part === 'basic')
    return BasicForm.transform((d) => ({
      company_name: d.companyName,
      dispatch_name: d.dispatchName,
      legal_representative_id: d.legalRepresentativeId,
    }))
  if (part === 'business') return businessForm(type)
  if (part === 'contacts')
    return contactsForm(res.locals.tenant!).transform((d) => ({
      contact_name: d.contactName,
      contact_phone: d.contactPhone,
      contact_email: d.contactEmail,
    }))
  return parametersForm(type)
}

/** The step after `part` for this member type; the summary after the last. */
export function nextStep(type: MemberType, part: Part | 'type'): string {
  const parts = partsOf(type)
  const next = part === 'type' ? parts[0] : parts[parts.indexOf(part) + 1]
  return next ? `${REGISTRATION}/${next}` : REGISTRATION
}

/** Upload fields of the attachments step: one per document the tenant lists and this member is asked for. */
export function attachmentFields(res: Response, registration: Registration): UploadField[] {
  const settings = marketSettings.of(res.locals.tenant!)
  return settings.attachments[registration.member.member_type]
    .filter((kind) => isAsked(kind, registration.member))
    .map((kind) => ({
      field: kind,
      allow: settings.pdfOnly ? (['pdf'] as const) : (['pdf', 'jpeg', 'png'] as const),
      maxBytes: settings.attachmentMaxMb * 1024 * 1024,
      maxFiles: 1,
    }))
}

/**
 * The applicant's registration wizard (seed 003, issue 20 items 1–3 and 6): member type,
 * the four parts of member information, attachments, units and the summary with its
 * completeness check. Every step has Save and Next; a draft stays until completed, so an
 * applicant can leave and come back. It lives beside the market service, not behind it:
 * registering is how one comes to have the service.
 */
export function marketCustomerRoutes(deps: Deps, market: MarketServices): Router {
  const router = uuidIds(Router())
  const customerId = (res: Response) => res.locals.customer!.id
  const offered = (res: Response) =>
    (res.locals.tenant!.settings.enabledServices as readonly string[]).includes('market')
  router.use(REGISTRATION, (_req, res, next) => next(offered(res) ? undefined : new NotFoundError('market')))

  const current = (res: Response) => market.registrationOf(res.locals.ctx, customerId(res))
  const own = async (res: Response) => {
    const registration = await current(res)
    if (!registration) throw new NotFoundError('market registration')
    return registration
  }
  const common = (registration: Registration | undefined) => ({
    registration,
    parts: registration ? partsOf(registration.member.member_type) : [],
    editable: (part: Part | 'type') => (registration ? editable(registration.member, part) : true),
  })

  router.get(REGISTRATION, async (_req, res) => {
    const registration = await current(res)
    if (!registration) return res.redirect(303, `${REGISTRATION}/type`)
    res.render('customer/market/overview', common(registration))
  })

  router.get(`${REGISTRATION}/type`, async (_req, res) => {
    const registration = await current(res)
    res.render('customer/market/type', {
      ...common(registration),
      types: MEMBER_TYPES,
      values: { memberType: registration?.member.member_type ?? '' },
    })
  })
  router.post(`${REGISTRATION}/type`, async (req, res) => {
    const form = MemberTypeForm.safeParse(req.body)
    if (!form.success)
      return renderInvalid(res, 'customer/market/type', fieldErrors(res, form.error), req.body, {
        ...common(await current(res)),
        types: MEMBER_TYPES,
      })
    await market.chooseType(res.locals.ctx, customerId(res), form.data.memberType)
    res.redirect(
      303,
      formText(req, 'action') === 'save' ? `${REGISTRATION}/type` : nextStep(form.data.memberType, 'type'),
    )
  })

  for (const part of FORM_PARTS) {
    const locals = (registration: Registration) => ({
      ...common(registration),
      part,
      type: registration.member.member_type,
      asksLicence: asksLicence(registration.member.member_type),
      voltageLevels: VOLTAGE_LEVELS,
    })
    router.get(`${REGISTRATION}/${part}`, async (_req, res) => {
      const registration = await own(res)
      res.render('customer/market/part', { ...locals(registration), values: formValues(registration.member) })
    })
    router.post(`${REGISTRATION}/${part}`, async (req, res) => {
      const registration = await own(res)
      const form = partSchema(part, res, registration.member.member_type).safeParse(req.body)
      if (!form.success)
        return renderInvalid(
          res,
          'customer/market/part',
          fieldErrors(res, form.error),
          req.body,
          locals(registration),
        )
      res.locals.formPage = { view: 'customer/market/part', locals: () => locals(registration) }
      await market.savePart(res.locals.ctx, customerId(res), part, form.data)
      flash(req, { key: 'market.saved' })
      res.redirect(
        303,
        formText(req, 'action') === 'save'
          ? `${REGISTRATION}/${part}`
          : nextStep(registration.member.member_type, part),
      )
    })
  }

  const attachmentLocals = (res: Response, registration: Registration) => ({
    ...common(registration),
    fields: attachmentFields(res, registration),
    settings: marketSettings.of(res.locals.tenant!),
  })
  router.get(`${REGISTRATION}/attachments`, async (_req, res) => {
    const registration = await own(res)
    res.render('customer/market/attachments', attachmentLocals(res, registration))
  })
  const uploadsOf = new WeakMap<Request, Registration>()
  router.post(
    `${REGISTRATION}/attachments`,
    ...acceptUploads(deps, async (req, res) => {
      const registration = await own(res)
      uploadsOf.set(req, registration)
      return attachmentFields(res, registration)
    }),
    async (req: Request, res: Response) => {
      const registration = uploadsOf.get(req)!
      const upload = req.upload!
      if (upload.errors.length)
        return renderInvalid(
          res,
          'customer/market/attachments',
          upload.errors,
          {},
          attachmentLocals(res, registration),
        )
      if (upload.files.length) {
        await market.addAttachments(res.locals.ctx, customerId(res), upload.files)
        flash(req, { key: 'market.attachments.added', params: { count: String(upload.files.length) } })
      }
      res.redirect(
        303,
        formText(req, 'action') === 'next'
          ? nextStep(registration.member.member_type, 'attachments')
          : `${REGISTRATION}/attachments`,
      )
    },
  )
  router.post(`${REGISTRATION}/attachments/:attachmentId/remove`, async (req, res) => {
    await market.removeAttachment(res.locals.ctx, customerId(res), String(req.params.attachmentId))
    flash(req, { key: 'market.attachments.removed' })
    res.redirect(303, `${REGISTRATION}/attachments`)
  })
  // The applicant's own documents: of their registration or its units, nobody else's.
  router.get(
    `${REGISTRATION}/files/:attachmentId`,
    attachmentDownload(deps, async (ctx, attachment, req) => {
      const registration = await market.registrationOf(ctx, req.res!.locals.customer!.id)
      if (!registration) return false
      if (attachment.owner.type === MEMBER_OWNER) return attachment.owner.id === registration.member.id
      return (
        attachment.owner.type === UNIT_OWNER && registration.units.some((u) => u.id === attachment.owner.id)
      )
    }),
  )

  // Before the units' `/:id` routes: `units/query` is no unit id.
  router.use(pointRoutes(deps, market, { own, common }), unitRoutes(deps, market, { own, common }))

  router.post(`${REGISTRATION}/complete`, async (req, res) => {
    const missing = await market.completeRegistration(res.locals.ctx, customerId(res))
    if (missing.length) {
      const registration = await own(res)
      return res.status(422).render('customer/market/overview', { ...common(registration), refused: true })
    }
    flash(req, { key: 'market.submitted' })
    res.redirect(303, '/cabinet')
  })
  return router
}
