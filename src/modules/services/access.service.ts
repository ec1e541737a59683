import { withTenant } from '../../db/tenant-scope.ts'
import type { RequestContext } from '../../platform/context.ts'
import { audit } from '../../platform/audit.ts'
import { claimSubmission } from '../../platform/submissions.ts'
import {
  customerExists,
  setDefaultService as setCustomerDefault,
  type CustomerRow,
} from '../accounts/index.ts'
import type { ServicesDeps } from './enrolment.service.ts'
import {
  addCustomerService,
  currentServices,
  findAccessRequest,
  insertAccessRequest,
  removeCustomerService,
  type AccessRequestRow,
} from './repo.ts'
import { NotFoundError } from '../../platform/errors.ts'

/** Step 1: a company asks for access; the request joins the operators' queue and support is emailed. */
export async function requestAccess(
  deps: ServicesDeps,
  ctx: RequestContext,
  input: { company: string; email: string; phone: string; service: string },
  submission: string | undefined,
): Promise<void> {
  const now = deps.clock.now()
  await withTenant(deps.db, ctx.tenant.id, async (trx) => {
    if (!(await claimSubmission(trx, ctx.tenant.id, submission, 'access-request'))) return
    const request = await insertAccessRequest(trx, {
      tenant_id: ctx.tenant.id,
      ...input,
      locale: ctx.locale,
      created_at: now,
    })
    await deps.outbox.enqueue(trx, ctx.tenant, {
      to: ctx.tenant.settings.supportEmail,
      template: 'access-request',
      locale: ctx.tenant.settings.defaultLocale,
      params: {
        tenant: ctx.tenant.settings.name,
        ...input,
        link: `${ctx.tenant.settings.publicBaseUrl}/admin/access-requests`,
      },
    })
    await audit(trx, ctx, {
      action: 'access-request.created',
      targetType: 'access-request',
      targetId: request.id,
      details: { service: input.service },
    })
  })
}

/** The services a customer has now, limited to those the tenant still offers. */
export async function servicesOf(
  deps: Pick<ServicesDeps, 'db'>,
  ctx: RequestContext,
  customerId: string,
): Promise<string[]> {
  const enabled = ctx.tenant.settings.enabledServices as readonly string[]
  const mine = await withTenant(deps.db, ctx.tenant.id, (trx) => currentServices(trx, customerId))
  return mine.filter((s) => enabled.includes(s))
}

/** Steps 5–6: where a customer lands after signing in — their default service, their only service, or the cabinet. */
export async function landingPath(
  deps: Pick<ServicesDeps, 'db'>,
  ctx: RequestContext,
  customer: CustomerRow,
): Promise<string> {
  const services = await servicesOf(deps, ctx, customer.id)
  if (customer.default_service && services.includes(customer.default_service))
    return `/services/${customer.default_service}`
  if (services.length === 1) return `/services/${services[0]}`
  return '/cabinet'
}

export async function setDefaultService(
  deps: ServicesDeps,
  ctx: RequestContext,
  customer: CustomerRow,
  service: string | null,
): Promise<boolean> {
  if (service && !(await servicesOf(deps, ctx, customer.id)).includes(service)) return false
  await withTenant(deps.db, ctx.tenant.id, async (trx) => {
    await setCustomerDefault(trx, customer.id, service)
    await audit(trx, ctx, {
      action: 'customer.default-service',
      targetType: 'customer',
      targetId: customer.id,
      details: { service },
    })
  })
  return true
}

/** Staff add or remove a customer's service by hand; removal is kept as history. */
export async function changeCustomerService(
  deps: ServicesDeps,
  ctx: RequestContext,
  customerId: string,
  service: string,
  add: boolean,
): Promise<'changed' | 'unchanged' | 'missing'> {
  const now = deps.clock.now()
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    if (!(await customerExists(trx, customerId))) return 'missing'
    const changed = add
      ? await addCustomerService(trx, {
          tenant_id: ctx.tenant.id,
          customer_id: customerId,
          service,
          enrolment_id: null,
          added_by: `operator:${ctx.actor.id}`,
          added_at: now,
        })
      : await removeCustomerService(trx, customerId, service, now)
    if (changed)
      await audit(trx, ctx, {
        action: add ? 'customer.service-added' : 'customer.service-removed',
        targetType: 'customer',
        targetId: customerId,
        details: { service },
      })
    return changed ? 'changed' : 'unchanged'
  })
}

/** An access request of this tenant, for the staff page that turns it into an enrolment. */
export async function accessRequestForStaff(
  deps: Pick<ServicesDeps, 'db'>,
  ctx: RequestContext,
  id: string,
): Promise<AccessRequestRow> {
  const request = await withTenant(deps.db, ctx.tenant.id, (trx) => findAccessRequest(trx, id))
  if (!request) throw new NotFoundError('access request')
  return request
}
