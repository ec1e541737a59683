import type { Knex } from 'knex'
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
import type { ReferenceCache } from '../../platform/tenancy/reference-cache.ts'
import {
  addCustomerService,
  currentServices,
  findAccessRequest,
  insertAccessRequest,
  removeCustomerService,
  type AccessRequestRow,
} from './repo.ts'
import { NotFoundError } from '../../platform/errors.ts'
import { servicesSettings, type AccessMode } from './settings.ts'

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

/** How a customer of this tenant comes to have a service (open to all, by token, after review). */
export function accessMode(ctx: RequestContext, service: string): AccessMode {
  const access = servicesSettings.of(ctx.tenant).access as Record<string, AccessMode | undefined>
  return access[service] ?? 'token'
}

/**
 * The longest a process keeps a customer's services without hearing of a change: a bound
 * for the time its listening connection may be down (changes made meanwhile are not heard).
 */
const SERVICES_KEPT_MS = 60_000
const SERVICES_TABLE = 'customer_services'

type ServiceDeps = Pick<ServicesDeps, 'db' | 'reference' | 'clock'>

/**
 * The offered services a customer was enrolled in (by token or after review). Every page
 * of a service asks (its guard), so each process keeps them per customer, forgotten on any
 * change of the tenant's enrolments (the `customer_services_changed` trigger; the writing
 * process at its commit, `servicesChangedOnCommit`) and after SERVICES_KEPT_MS at most.
 */
async function enrolledIn(deps: ServiceDeps, ctx: RequestContext, customerId: string): Promise<string[]> {
  const enabled = ctx.tenant.settings.enabledServices as readonly string[]
  const kept = await deps.reference.get(
    ctx.tenant.id,
    SERVICES_TABLE,
    async () => ({
      services: await withTenant(deps.db, ctx.tenant.id, (trx) => currentServices(trx, customerId)),
      until: deps.clock.now().getTime() + SERVICES_KEPT_MS,
    }),
    { part: customerId, fresh: (v) => deps.clock.now().getTime() < v.until },
  )
  return kept.services.filter((s) => enabled.includes(s))
}

/** Who is told of a change of a customer's services: this process's kept copies. */
export type ServicesHeard = { reference: Pick<ReferenceCache, 'changedOnCommit'> }

/** After `trx` commits, this process forgets the tenant's kept services at once (see `changedOnCommit`). */
export function servicesChangedOnCommit(deps: ServicesHeard, trx: Knex.Transaction, tenantId: string): void {
  deps.reference.changedOnCommit(trx, `${SERVICES_TABLE}:${tenantId}`)
}

/** In the tenant's order: the services open to every signed-in customer, and those enrolled in. */
function usableWith(ctx: RequestContext, enrolled: readonly string[]): string[] {
  const enabled = ctx.tenant.settings.enabledServices as readonly string[]
  return enabled.filter((s) => accessMode(ctx, s) === 'open' || enrolled.includes(s))
}

/** The services a customer can use now. */
export async function servicesOf(
  deps: ServiceDeps,
  ctx: RequestContext,
  customerId: string,
): Promise<string[]> {
  return usableWith(ctx, await enrolledIn(deps, ctx, customerId))
}

/**
 * Steps 5–6: where a customer lands after signing in — their default service; else the
 * one service they were enrolled in (a PGB customer lands on PGB even where applications
 * are open to all); else their only service; else the cabinet.
 */
export async function landingPath(
  deps: ServiceDeps,
  ctx: RequestContext,
  customer: CustomerRow,
): Promise<string> {
  const enrolled = await enrolledIn(deps, ctx, customer.id)
  const usable = usableWith(ctx, enrolled)
  if (customer.default_service && usable.includes(customer.default_service))
    return `/services/${customer.default_service}`
  if (enrolled.length === 1) return `/services/${enrolled[0]}`
  if (usable.length === 1) return `/services/${usable[0]}`
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
    await setCustomerDefault(deps, trx, customer.id, service)
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
    if (add) return (await grantService(deps, trx, ctx, customerId, service, now)) ? 'changed' : 'unchanged'
    const removed = await removeCustomerService(trx, customerId, service, now)
    if (!removed) return 'unchanged'
    await serviceChanged(deps, trx, ctx, 'customer.service-removed', customerId, service)
    return 'changed'
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

/**
 * A service granted by an operator, in the caller's transaction — by hand, or by another
 * module's review (a market registration approved): audited once; false when the customer
 * already had it.
 */
export async function grantService(
  deps: ServicesHeard,
  trx: Knex.Transaction,
  ctx: RequestContext,
  customerId: string,
  service: string,
  now: Date,
): Promise<boolean> {
  const added = await addCustomerService(trx, {
    tenant_id: ctx.tenant.id,
    customer_id: customerId,
    service,
    enrolment_id: null,
    // A demo seed or a job grants as the system; a person as the operator they are.
    added_by: ctx.actor.type === 'operator' ? `operator:${ctx.actor.id}` : ctx.actor.type,
    added_at: now,
  })
  if (!added) return false
  await serviceChanged(deps, trx, ctx, 'customer.service-added', customerId, service)
  return true
}

/** A customer's service added or removed by hand or by a review: audited, and heard at commit. */
async function serviceChanged(
  deps: ServicesHeard,
  trx: Knex.Transaction,
  ctx: RequestContext,
  action: 'customer.service-added' | 'customer.service-removed',
  customerId: string,
  service: string,
): Promise<void> {
  servicesChangedOnCommit(deps, trx, ctx.tenant.id)
  await audit(trx, ctx, { action, targetType: 'customer', targetId: customerId, details: { service } })
}
