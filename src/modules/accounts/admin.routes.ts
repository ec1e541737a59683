import { flash } from '../../http/flash.ts'
import { Router, type Request, type Response } from 'express'
import { EMPTY_PAGE, filterText, readFilters } from '../../http/filters.ts'
import { renderInvalid } from '../../http/forms.ts'
import { z } from 'zod'
import type { Deps } from '../../deps.ts'
import type { AccountServices } from './services.ts'
import { NotFoundError } from '../../platform/errors.ts'
import { uuidIds } from '../../http/params.ts'
import { requireOperator } from '../operators/index.ts'
import { STAFF_ACTIONS } from './admin.service.ts'
import { customerSearch, type CustomerRow } from './repo.ts'
import { displayName } from './profile.service.ts'
import { PageParam, exportList, listPage, pagination } from '../../http/lists.ts'
import type { CsvColumn } from '../../platform/csv.ts'
import type { CustomerServices } from './ports.ts'

const Action = z.object({ action: z.enum(STAFF_ACTIONS) })
const CustomerSearch = z.object({ q: filterText(100) })

/** Staff: find, view and manage customer accounts. */
export function customerAdminRoutes(
  deps: Deps,
  accounts: AccountServices,
  customerServices: CustomerServices,
): Router {
  const router = uuidIds(Router())
  router.use(['/admin/customers', '/admin/customers.csv'], requireOperator(deps))
  /** The search, or undefined once a 422 saying what is wrong with it has been sent (nothing queried). */
  const searchOf = (req: Request, res: Response): string | undefined => {
    const read = readFilters(CustomerSearch, req, res)
    if (read.ok) return read.data.q ?? ''
    renderInvalid(res, 'admin/customers/list', read.errors, undefined, {
      page: EMPTY_PAGE,
      q: typeof req.query.q === 'string' ? req.query.q : '',
      csvHref: '/admin/customers.csv',
    })
    return undefined
  }
  router.get('/admin/customers', async (req, res) => {
    const q = searchOf(req, res)
    if (q === undefined) return
    const page = await listPage<CustomerRow>(
      deps.db,
      res.locals.ctx,
      (trx) => customerSearch(trx, q),
      PageParam.parse(req.query.page),
    )
    res.render('admin/customers/list', {
      page,
      q,
      pagination: pagination(req, page, res.locals.t('admin.customers.pages')),
      csvHref: `/admin/customers.csv?${new URLSearchParams({ q }).toString()}`,
    })
  })
  router.get('/admin/customers.csv', async (req, res) => {
    const t = res.locals.t
    const columns: CsvColumn<CustomerRow>[] = [
      { header: t('accounts.fields.email'), value: (c) => c.email },
      { header: t('admin.customers.name'), value: (c) => displayName(c) },
      { header: t('admin.customers.status'), value: (c) => t(`admin.customers.statuses.${c.status}`) },
      { header: t('admin.customers.phone'), value: (c) => c.phone },
      { header: t('admin.customers.registered'), value: (c) => res.locals.fmt.dateTime(c.created_at) },
    ]
    const q = searchOf(req, res)
    if (q === undefined) return
    await exportList(res, deps.db, 'customers.csv', columns, (trx) => customerSearch(trx, q))
  })
  router.get('/admin/customers/:id', async (req, res) => {
    const customer = await accounts.customerForStaff(res.locals.ctx, req.params.id)
    const services = await customerServices.servicesOf(res.locals.ctx, customer.id)
    res.render('admin/customers/view', {
      subject: customer,
      services,
      offered: res.locals.tenant!.settings.enabledServices,
    })
  })
  router.post('/admin/customers/:id', async (req, res) => {
    const form = Action.safeParse(req.body)
    if (!form.success) throw new NotFoundError('customer action')
    if (!(await accounts.applyStaffAction(res.locals.ctx, req.params.id, form.data.action)))
      throw new NotFoundError('customer')
    flash(req, { key: `admin.customers.done.${form.data.action}` })
    res.redirect(303, `/admin/customers/${req.params.id}`)
  })
  return router
}
