import type { Knex } from 'knex'
import type { Db } from '../../db/knex.ts'
import type { RequestContext } from '../../platform/context.ts'
import type { I18n } from '../../platform/i18n/index.ts'
import { mailTo, type MailWriting } from '../../platform/mail/links.ts'
import type { DomainEvents } from '../../platform/events.ts'
import type { MailAttachment, Outbox } from '../../platform/mail/outbox.ts'
import {
  findCustomer,
  findCustomerByEmail,
  insertCustomer,
  updateCustomer,
  type CustomerRow,
  type CustomersHeard,
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

/** An active individual's login, ready to sign in (another module's demo data: a colleague). */
export async function createActivePerson(
  db: Db,
  input: Pick<
    CustomerRow,
    'tenant_id' | 'email' | 'password_hash' | 'first_name' | 'last_name' | 'preferred_locale'
  > & {
    now: Date
  },
): Promise<CustomerRow> {
  const { now, ...fields } = input
  return insertCustomer(db, {
    ...fields,
    status: 'active',
    category: 'individual',
    created_at: now,
    confirmed_at: now,
    password_changed_at: now,
  })
}

export async function setDefaultService(
  heard: CustomersHeard,
  db: Db,
  customerId: string,
  service: string | null,
): Promise<void> {
  await updateCustomer(heard, db, customerId, { default_service: service })
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

/** The service a module's mail is about, by its template's prefix ("generation.mail.…" is PGB's). */
const SERVICE_OF_MAIL: Record<string, string> = { generation: 'pgb' }

/**
 * Emails a customer about their affairs (see `mailTo`), inside the caller's transaction;
 * `attach` gets the customer too (a receipt names them). Whoever else should read it —
 * the account's colleagues whose role covers the service — gets the same message in their
 * own language, through the `customer.mailed` event. False when the account is gone
 * (purged): there is no one to write to.
 */
export async function emailCustomer(
  trx: Knex.Transaction,
  deps: { outbox: Outbox; i18n: I18n; events: DomainEvents },
  ctx: RequestContext,
  customerId: string,
  template: string,
  params: (writing: MailWriting) => Record<string, unknown>,
  attach?: (writing: MailWriting, customer: CustomerContact) => Promise<readonly MailAttachment[]>,
): Promise<boolean> {
  const contact = await customerContact(trx, customerId)
  if (!contact) return false
  // Made once, for the account: a copy carries the same document (a receipt is stored when made).
  let made: Promise<readonly MailAttachment[]> | undefined
  const attachFor = attach && ((writing: MailWriting) => (made ??= attach(writing, contact)))
  await mailTo(trx, deps, ctx, contact, template, params, attachFor)
  const prefix = template.split('.')[0]!
  await deps.events.emit(trx, ctx, 'customer.mailed', {
    customerId,
    service: SERVICE_OF_MAIL[prefix] ?? prefix,
    copy: (other) => mailTo(trx, deps, ctx, other, template, params, attachFor),
  })
  return true
}

/** Customers by id, for a list of people: name, email and language. */
export async function customerContacts(
  db: Db,
  ids: readonly string[],
): Promise<Map<string, CustomerContact>> {
  if (ids.length === 0) return new Map()
  const rows = await db('customers')
    .whereIn('id', [...new Set(ids)])
    .select<CustomerRow[]>('*')
  return new Map(
    rows.map((c) => [c.id, { email: c.email, locale: c.preferred_locale, name: displayName(c) }]),
  )
}

/** A customer's row by id, in the caller's transaction (an account someone acts for). */
export const customerRow = findCustomer

/** Customers' email addresses by id, for a list that shows a page of rows owned by customers. */
export async function customerEmails(db: Db, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map()
  const rows = await db('customers')
    .whereIn('id', [...new Set(ids)])
    .select<{ id: string; email: string }[]>('id', 'email')
  return new Map(rows.map((r) => [r.id, r.email]))
}
