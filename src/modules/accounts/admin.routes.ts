import { flash } from '../../http/flash.ts'
import { Router } from 'express'
import { z } from 'zod'
import type { Deps } from '../../deps.ts'
import { withTenant } from '../../db/tenant-scope.ts'
import { NotFoundError } from '../../platform/errors.ts'
import { uuidIds } from '../../http/params.ts'
import { requireOperator } from '../operators/index.ts'
import { STAFF_ACTIONS, applyStaffAction } from './admin.service.ts'
import { findCustomer, searchCustomers } from './repo.ts'
import type { CustomerServices } from './ports.ts'

const Action = z.object({ action: z.enum(STAFF_ACTIONS) })

/** Staff: find, view and manage customer accounts. */
export function customerAdminRoutes(deps: Deps, customerServices: CustomerServices): Router {
  const router = uuidIds(Router())
  router.use('/admin/customers', requireOperator(deps.db))
  router.get('/admin/customers', async (req, res) => {
    const q = typeof req.query.q === 'string' ? req.query.q.slice(0, 100) : ''
    const customers = await withTenant(deps.db, res.locals.tenant!.id, (trx) => searchCustomers(trx, q))
    res.render('admin/customers/list', { customers, q })
  })
  router.get('/admin/customers/:id', async (req, res) => {
    const customer = await withTenant(deps.db, res.locals.tenant!.id, (trx) =>
      findCustomer(trx, req.params.id),
    )
    if (!customer) throw new NotFoundError('customer')
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
    if (!(await applyStaffAction(deps, res.locals.ctx, req.params.id, form.data.action)))
      throw new NotFoundError('customer')
    flash(req, { key: `admin.customers.done.${form.data.action}` })
    res.redirect(303, `/admin/customers/${req.params.id}`)
  })
  return router
}
