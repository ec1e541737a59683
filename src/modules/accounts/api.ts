import type { Db } from '../../db/knex.ts'
import {
  findCustomer,
  findCustomerByEmail,
  insertCustomer,
  updateCustomer,
  type CustomerRow,
} from './repo.ts'
import { displayName } from './profile.service.ts'

/**
 * What other modules may do with customer accounts, inside their own transaction. Only
 * accounts writes the customers table; these are its doors for the others.
 */
export async function customerExists(db: Db, id: string): Promise<boolean> {
  return (await findCustomer(db, id)) !== undefined
}

export { findCustomerByEmail }

/** An account created by redeeming a typed token (seed 000, path 4b): active at once. */
export async function createEnrolledCustomer(
  db: Db,
  input: Pick<
    CustomerRow,
    | 'tenant_id'
    | 'email'
    | 'password_hash'
    | 'organisation_name'
    | 'phone'
    | 'preferred_locale'
    | 'consent_version'
    | 'consent_ip'
  > & { now: Date },
): Promise<CustomerRow> {
  const { now, ...fields } = input
  return insertCustomer(db, {
    ...fields,
    status: 'active',
    category: 'legal',
    created_at: now,
    confirmed_at: now,
    password_changed_at: now,
    consent_at: now,
  })
}

export async function setDefaultService(db: Db, customerId: string, service: string | null): Promise<void> {
  await updateCustomer(db, customerId, { default_service: service })
}

/** Who to write to about a customer's affairs, in their language. */
export interface CustomerContact {
  email: string
  locale: string | null
  name: string
}

export async function customerContact(db: Db, id: string): Promise<CustomerContact | undefined> {
  const c = await findCustomer(db, id)
  return c ? { email: c.email, locale: c.preferred_locale, name: displayName(c) } : undefined
}

/** Customers' email addresses by id, for a list that shows a page of rows owned by customers. */
export async function customerEmails(db: Db, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map()
  const rows = await db('customers')
    .whereIn('id', [...new Set(ids)])
    .select<{ id: string; email: string }[]>('id', 'email')
  return new Map(rows.map((r) => [r.id, r.email]))
}

/**
 * The SQL of a customer's display name (as `displayName` gives it) for a customers table
 * joined as `alias`, for lists that sort or show thousands of rows without loading each.
 */
export const customerNameSql = (alias: string): string =>
  `coalesce(nullif(${alias}.organisation_name, ''), nullif(${alias}.full_name, ''), nullif(concat_ws(' ', ${alias}.first_name, ${alias}.last_name), ''), ${alias}.email)`
