import { Router, type Response } from 'express'
import { z } from 'zod'
import { flash } from '../../http/flash.ts'
import { fieldErrors, formText, renderInvalid } from '../../http/forms.ts'
import { NotFoundError } from '../../platform/errors.ts'
import { isUuid } from '../../platform/ids.ts'
import { MULTI_LINE } from '../../platform/text.ts'
import type { GrantServices } from './grants.service.ts'
import type { OrganisationServices } from './service.ts'

const EndForm = z.object({
  reason: z
    .string('organisations.errors.reason')
    .trim()
    .min(1, 'organisations.errors.reason')
    .max(500, 'organisations.errors.reasonLong')
    .regex(MULTI_LINE, 'organisations.errors.reason'),
})

/**
 * Staff's page of a customer's people and representation: its colleagues, the accounts it
 * is a colleague in, the grants it gave and holds (past ones too); staff end a grant with
 * a reason, audited.
 */
export function organisationAdminRoutes(orgs: OrganisationServices, grants: GrantServices): Router {
  const router = Router()
  const BASE = '/admin/customers/:id/people'
  const page = async (id: string, res: Response) => {
    const view = isUuid(id) ? await orgs.staffView(res.locals.ctx, id) : undefined
    if (!view) throw new NotFoundError('customer')
    return { subjectId: id, ...view }
  }
  router.get(BASE, async (req, res) => {
    res.render('admin/organisations/people', { ...(await page(String(req.params.id), res)), values: {} })
  })
  router.post(`${BASE}/grants/:grant/end`, async (req, res) => {
    const id = String(req.params.id)
    const grant = String(req.params.grant)
    const locals = await page(id, res)
    if (!isUuid(grant) || ![...locals.given, ...locals.held].some((g) => g.id === grant && g.open))
      throw new NotFoundError('grant')
    const form = EndForm.safeParse(req.body)
    if (!form.success) {
      const errors = fieldErrors(res, form.error).map((e) => ({ ...e, href: `#reason-${grant}` }))
      return renderInvalid(
        res,
        'admin/organisations/people',
        errors,
        { grant, reason: formText(req, 'reason') },
        locals,
      )
    }
    if (!(await grants.endByStaff(res.locals.ctx, id, grant, form.data.reason)))
      throw new NotFoundError('grant')
    flash(req, { key: 'organisations.grants.ended' })
    res.redirect(303, `/admin/customers/${id}/people`)
  })
  return router
}
