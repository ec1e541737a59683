import { withOwnTransaction, withTenant } from '../../db/tenant-scope.ts'
import type { RequestContext } from '../../platform/context.ts'
import { audit } from '../../platform/audit.ts'
import type { Knex } from 'knex'
import type { Clock } from '../../platform/clock.ts'
import { keptRow, type ReferenceCache } from '../../platform/tenancy/reference-cache.ts'
import {
  KEPT_CUSTOMERS,
  findCustomer,
  updateCustomer,
  type CustomerRow,
  type CustomersHeard,
} from './repo.ts'
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
    await updateCustomer(deps, trx, customerId, {
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

/** How long a kept customer is trusted without hearing of a change: a bound for a missed NOTIFY. */
const CUSTOMER_KEPT_MS = 60_000

/**
 * The customers a session names (the person, and the account they act for), those that
 * still exist in this tenant. Every page loads them, so each customer's row is
 * kept per process (the cost of a page that reads nothing else was its read transaction;
 * my applications +17 % in an A/B under load), forgotten on any change of the row (the
 * `customers_changed` trigger's NOTIFY; the writing process at its commit, see
 * `CustomersHeard`; all of them when the listener reconnects) and after CUSTOMER_KEPT_MS
 * at most, or at once with `reread` (`keptRow`); each caller gets a copy of its own, which a
 * request may change (its language) without touching the next request's.
 */
export async function signedInCustomers(
  deps: { db: Knex; reference: ReferenceCache; clock: Clock },
  ctx: RequestContext,
  ids: readonly string[],
  options: { reread?: boolean } = {},
): Promise<CustomerRow[]> {
  const rows: CustomerRow[] = []
  for (const id of ids) {
    const row = await keptRow(deps, ctx.tenant.id, KEPT_CUSTOMERS, id, () => customerById(deps, ctx, id), {
      keptMs: CUSTOMER_KEPT_MS,
      reread: options.reread,
    })
    if (row) rows.push(row)
  }
  return rows
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
  deps: { db: Knex } & CustomersHeard,
  ctx: RequestContext,
  id: string,
  locale: string,
): Promise<void> {
  // A GET (the header's language link) that writes on purpose: not in the request's read scope.
  await withOwnTransaction(deps.db, ctx.tenant.id, (trx) =>
    updateCustomer(deps, trx, id, { preferred_locale: locale }),
  )
}
