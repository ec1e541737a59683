import { PageParam, exportList, listPage, pagination } from '../../http/lists.ts'
import type { CsvColumn } from '../../platform/csv.ts'
import { CONTROL_CHARACTERS, SINGLE_LINE } from '../../platform/text.ts'
import { flash } from '../../http/flash.ts'
import { Router } from 'express'
import { z } from 'zod'
import type { Deps } from '../../deps.ts'
import type { OperatorServices } from './services.ts'
import { NotFoundError } from '../../platform/errors.ts'
import { fieldErrors } from '../../http/forms.ts'
import { uuidIds } from '../../http/params.ts'
import { Email } from '../../platform/identity-fields.ts'
import { requireOperator } from './auth.ts'
import { operatorQuery, type OperatorRow } from './repo.ts'

const Role = z.enum(['admin', 'operator'], 'admin.errors.role')
const Invite = z.object({
  email: Email,
  name: z
    .string()
    .trim()
    .regex(SINGLE_LINE, CONTROL_CHARACTERS)
    .min(1, 'admin.errors.nameRequired')
    .max(120, 'accounts.errors.nameTooLong'),
  role: Role,
})
const Change = z.object({ action: z.enum(['role', 'disable', 'enable']), role: Role.optional() })

/** The admin home and, for administrators, the operators of the tenant. */
export function operatorAdminRoutes(deps: Deps, operators: OperatorServices): Router {
  const router = uuidIds(Router())
  router.get('/admin', requireOperator(deps), (_req, res) => {
    res.render('admin/home')
  })

  router.use(['/admin/operators', '/admin/operators.csv'], requireOperator(deps, 'admin'))
  const renderList = async (
    res: Parameters<Parameters<typeof router.get>[1]>[1],
    status = 200,
    locals: object = {},
  ) => {
    res.status(status).render('admin/operators/list', { ...(await listLocals(res)), ...locals })
  }
  const listLocals = async (res: Parameters<Parameters<typeof router.get>[1]>[1]) => {
    const page = await listPage<OperatorRow>(
      deps.db,
      res.locals.ctx,
      operatorQuery,
      PageParam.parse(res.req.query.page),
    )
    return {
      operators: page.rows,
      page,
      pagination: pagination(res.req, page, res.locals.t('admin.operators.pages')),
      values: { role: 'operator' },
    }
  }
  router.get('/admin/operators', async (_req, res) => {
    await renderList(res)
  })
  router.get('/admin/operators.csv', async (_req, res) => {
    const t = res.locals.t
    const columns: CsvColumn<OperatorRow>[] = [
      { header: t('admin.operators.name'), value: (o) => o.name },
      { header: t('accounts.fields.email'), value: (o) => o.email },
      { header: t('admin.operators.role'), value: (o) => t(`admin.roles.${o.role}`) },
      {
        header: t('admin.customers.status'),
        value: (o) => (o.disabled_at ? t('admin.operators.disabled') : ''),
      },
    ]
    await exportList(res, deps.db, 'staff.csv', columns, operatorQuery)
  })
  router.post('/admin/operators', async (req, res) => {
    const form = Invite.safeParse(req.body)
    if (!form.success)
      return renderList(res, 422, { errors: fieldErrors(res, form.error), values: req.body as unknown })
    res.locals.formPage = { view: 'admin/operators/list', locals: () => listLocals(res) }
    await operators.inviteOperator(res.locals.ctx, form.data)
    flash(req, { key: 'admin.operators.invited' })
    res.redirect(303, '/admin/operators')
  })
  router.post('/admin/operators/:id', async (req, res) => {
    const form = Change.safeParse(req.body)
    if (!form.success || (form.data.action === 'role' && !form.data.role))
      return renderList(res, 422, {
        errors: [{ field: 'role', text: res.locals.t('admin.errors.role'), href: '#role' }],
      })
    const change =
      form.data.action === 'role' ? { role: form.data.role } : { disabled: form.data.action === 'disable' }
    const outcome = await operators.changeOperator(res.locals.ctx, req.params.id, change)
    if (outcome === 'missing') throw new NotFoundError('operator')
    if (outcome === 'self')
      return renderList(res, 422, {
        errors: [{ field: 'operators', text: res.locals.t('admin.errors.self'), href: '#operators' }],
      })
    res.redirect(303, '/admin/operators')
  })
  return router
}
