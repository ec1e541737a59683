import { withOwnTransaction, withTenant } from '../../db/tenant-scope.ts'
import type { RequestContext } from '../../platform/context.ts'
import { audit } from '../../platform/audit.ts'
import type { Knex } from 'knex'
import { findCustomer, findCustomers, updateCustomer, type CustomerRow } from './repo.ts'
import type { AccountsDeps } from './registration.service.ts'

export interface ProfileInput {
  firstName: string
  lastName: string
  phone: string | null
  preferredLocale: string | null
}

export async function updateProfile(
  deps: AccountsDeps,
  ctx: RequestContext,
  customerId: string,
  input: ProfileInput,
): Promise<void> {
  await withTenant(deps.db, ctx.tenant.id, async (trx) => {
    await updateCustomer(trx, customerId, {
      first_name: input.firstName || null,
      last_name: input.lastName || null,
      phone: input.phone,
      preferred_locale: input.preferredLocale,
    })
    await audit(trx, ctx, {
      action: 'customer.profile-updated',
      targetType: 'customer',
      targetId: customerId,
    })
  })
}

/** Seed 004: once a name is set it is shown instead of the login. */
export function displayName(c: {
  first_name: string | null
  last_name: string | null
  full_name: string | null
  organisation_name: string | null
  email: string
  login_name: string | null
}): string {
  const name = [c.first_name, c.last_name].filter(Boolean).join(' ')
  return name || c.full_name || c.organisation_name || c.login_name || c.email
}

/** The customers a session names (the person, and the account they act for), those that still exist in this tenant. */
export async function customersById(
  deps: { db: Knex },
  ctx: RequestContext,
  ids: readonly string[],
): Promise<CustomerRow[]> {
  return withTenant(deps.db, ctx.tenant.id, (trx) => findCustomers(trx, ids))
}

/** The customer a session names, if they still exist in this tenant. */
export async function customerById(
  deps: { db: Knex },
  ctx: RequestContext,
  id: string,
): Promise<CustomerRow | undefined> {
  return withTenant(deps.db, ctx.tenant.id, (trx) => findCustomer(trx, id))
}

/** The language chosen in the header by a signed-in customer becomes their profile's. */
export async function setPreferredLocale(
  deps: { db: Knex },
  ctx: RequestContext,
  id: string,
  locale: string,
): Promise<void> {
  // A GET (the header's language link) that writes on purpose: not in the request's read scope.
  await withOwnTransaction(deps.db, ctx.tenant.id, (trx) =>
    updateCustomer(trx, id, { preferred_locale: locale }),
  )
}
