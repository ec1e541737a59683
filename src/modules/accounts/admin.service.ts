import { withTenant } from '../../db/tenant-scope.ts'
import type { RequestContext } from '../../platform/context.ts'
import { audit } from '../../platform/audit.ts'
import { NotFoundError } from '../../platform/errors.ts'
import {
  findCustomer,
  updateCustomer,
  updateCustomerEndingSessions,
  voidTokens,
  type CustomerRow,
} from './repo.ts'
import type { AccountsDeps } from './registration.service.ts'
import { clearTwoStep } from './two-step.service.ts'

export const STAFF_ACTIONS = [
  'disable',
  'enable',
  'force-password-change',
  'end-sessions',
  'reset-two-step',
] as const
export type StaffAction = (typeof STAFF_ACTIONS)[number]

/** What staff can do to a customer account; every action ends the customer's sessions except enabling. */
export async function applyStaffAction(
  deps: AccountsDeps,
  ctx: RequestContext,
  customerId: string,
  action: StaffAction,
): Promise<boolean> {
  const now = deps.clock.now()
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const customer = await findCustomer(trx, customerId)
    if (!customer) return false
    if (action === 'reset-two-step') {
      // A lost phone: the person signs in with the password alone next time (and sets it up
      // again at once where the tenant requires it).
      if (!customer.totp_enabled_at) return false
      await clearTwoStep(trx, deps, ctx, customer)
    } else if (action === 'enable')
      await updateCustomer(deps, trx, customerId, {
        status: customer.confirmed_at ? 'active' : 'pending',
        disabled_at: null,
      })
    else
      await updateCustomerEndingSessions(
        deps,
        trx,
        customerId,
        {
          disable: { status: 'disabled', disabled_at: now },
          'force-password-change': { must_change_password: true },
          'end-sessions': {},
        }[action],
      )
    if (action === 'disable') await voidTokens(trx, customerId, now)
    await audit(trx, ctx, {
      action: `customer.staff.${action}`,
      targetType: 'customer',
      targetId: customerId,
    })
    return true
  })
}

/** A customer of this tenant as staff see it; anything else is "not found". */
export async function customerForStaff(
  deps: AccountsDeps,
  ctx: RequestContext,
  id: string,
): Promise<CustomerRow> {
  const customer = await withTenant(deps.db, ctx.tenant.id, (trx) => findCustomer(trx, id))
  if (!customer) throw new NotFoundError('customer')
  return customer
}
