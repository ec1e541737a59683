import type { Knex } from 'knex'
import { containing, type Db } from '../../db/knex.ts'
import { newLinkToken } from '../../platform/tokens.ts'
import { announceSessionsEnded } from '../../platform/live.ts'
import { rowsChanged, type RowsHeard } from '../../platform/tenancy/reference-cache.ts'

export interface CustomerRow {
  tenant_id: string
  id: string
  email: string
  login_name: string | null
  password_hash: string | null
  status: 'pending' | 'active' | 'disabled'
  must_change_password: boolean
  password_expires_at: Date | null
  category: 'legal' | 'individual' | null
  organisation_name: string | null
  full_name: string | null
  first_name: string | null
  last_name: string | null
  phone: string | null
  preferred_locale: string | null
  identifiers: Record<string, string>
  default_service: string | null
  session_epoch: number
  created_at: Date
  confirmed_at: Date | null
  password_changed_at: Date | null
  disabled_at: Date | null
  /** The tenant's consent text version the customer agreed to, and when and from where. */
  consent_version: number | null
  consent_at: Date | null
  consent_ip: string | null
  /** Two-step sign-in: the authenticator's secret is stored once a code from it was accepted (until then it waits in the session). */
  totp_secret: string | null
  totp_enabled_at: Date | null
  totp_last_step: string | null
}

export type TokenPurpose = 'confirm_email' | 'reset_password' | 'change_email'

export async function findCustomer(db: Db, id: string): Promise<CustomerRow | undefined> {
  return db('customers').where({ id }).first<CustomerRow | undefined>()
}

export async function findCustomerByEmail(db: Db, email: string): Promise<CustomerRow | undefined> {
  return db('customers').whereRaw('lower(email) = lower(?)', [email]).first<CustomerRow | undefined>()
}

/** Email logins ignore case; login names (seed 003) are compared exactly as typed. */
export async function findCustomerByLogin(
  db: Db,
  login: string,
  byLoginName: boolean,
): Promise<CustomerRow | undefined> {
  return byLoginName
    ? db('customers').where({ login_name: login }).first<CustomerRow | undefined>()
    : findCustomerByEmail(db, login)
}

export async function loginNameTaken(db: Db, loginName: string): Promise<boolean> {
  return Boolean(await db('customers').where({ login_name: loginName }).first('id'))
}

export async function insertCustomer(
  db: Db,
  values: Partial<CustomerRow> & { tenant_id: string; email: string; status: CustomerRow['status'] },
): Promise<CustomerRow> {
  const [row] = await db('customers').insert(values).returning<CustomerRow[]>('*')
  if (!row) throw new Error('customer insert returned nothing')
  return row
}

/** The reference cache's table of signed-in customers, one part per customer (`signedInCustomers`). */
export const KEPT_CUSTOMERS = 'customers'

/**
 * Who hears of a change of a customer's row in this process: the kept copy of that
 * customer, forgotten once the write commits, so the writer's next request reads its own
 * write. Other processes hear it from the `customers_changed` trigger.
 */
export type CustomersHeard = RowsHeard

const tell = (heard: CustomersHeard, db: Db, rows: readonly { tenant_id: string; id: string }[]) =>
  rowsChanged(heard, db, KEPT_CUSTOMERS, rows)

export async function updateCustomer(
  heard: CustomersHeard,
  db: Db,
  id: string,
  patch: Record<string, unknown>,
): Promise<void> {
  tell(heard, db, await db('customers').where({ id }).update(patch).returning(['tenant_id', 'id']))
}

/**
 * Applies `patch` and moves the session epoch on in one statement (never read-then-write,
 * which two concurrent changes would both base on the same old value); returns the new epoch.
 * Open live streams of the customer close on commit.
 */
export async function updateCustomerEndingSessions(
  heard: CustomersHeard,
  db: Db,
  id: string,
  patch: Record<string, unknown> = {},
): Promise<number> {
  const [row] = await db('customers')
    .where({ id })
    .update({ ...patch, session_epoch: db.raw('session_epoch + 1') })
    .returning<{ tenant_id: string; id: string; session_epoch: number }[]>([
      'tenant_id',
      'id',
      'session_epoch',
    ])
  if (!row) throw new Error('customer to update not found')
  tell(heard, db, [row])
  await announceSessionsEnded(db, `customer:${id}`)
  return row.session_epoch
}

export async function insertToken(
  db: Db,
  token: {
    tenant_id: string
    customer_id: string
    purpose: TokenPurpose
    token_hash: string
    created_at: Date
    expires_at: Date
    data?: object
  },
): Promise<void> {
  await db('account_tokens').insert({ ...token, data: token.data ?? {} })
}

/**
 * Uses a token exactly once: one UPDATE that only matches an unused, unexpired token,
 * so of any number of concurrent attempts exactly one gets the row back.
 */
export async function consumeToken(
  db: Db,
  purpose: TokenPurpose,
  hash: string,
  now: Date,
): Promise<{ customer_id: string; data: Record<string, unknown> } | undefined> {
  const [row] = await db('account_tokens')
    .where({ purpose, token_hash: hash })
    .whereNull('used_at')
    .where('expires_at', '>', now)
    .update({ used_at: now })
    .returning<{ customer_id: string; data: Record<string, unknown> }[]>(['customer_id', 'data'])
  return row
}

export async function tokenIsUsable(
  db: Db,
  purpose: TokenPurpose,
  hash: string,
  now: Date,
): Promise<boolean> {
  return Boolean(
    await db('account_tokens')
      .where({ purpose, token_hash: hash })
      .whereNull('used_at')
      .where('expires_at', '>', now)
      .first('id'),
  )
}

/** Voids a customer's outstanding tokens (all, or of some purposes). */
export async function voidTokens(
  db: Db,
  customerId: string,
  now: Date,
  purposes?: TokenPurpose[],
): Promise<void> {
  const q = db('account_tokens').where({ customer_id: customerId }).whereNull('used_at')
  if (purposes) void q.whereIn('purpose', purposes)
  await q.update({ used_at: now })
}

export async function purgeExpiredPending(db: Db, olderThan: Date): Promise<number> {
  return db('customers').where({ status: 'pending' }).where('created_at', '<', olderThan).del()
}

/** Staff search: email, login name, names, organisation, phone; newest first. */
/** Staff's search over customers, newest first: a query to page through or export. */
export function customerSearch(db: Db, query: string): Knex.QueryBuilder {
  const q = db('customers').orderBy('created_at', 'desc').orderBy('id')
  const term = query.trim()
  if (term) {
    const like = containing(term)
    void q.where(
      (w) =>
        void w
          .whereILike('email', like)
          .orWhereILike('login_name', like)
          .orWhereILike('organisation_name', like)
          .orWhereILike('full_name', like)
          .orWhereRaw(`concat_ws(' ', first_name, last_name) ILIKE ?`, [like])
          .orWhereILike('phone', like),
    )
  }
  return q.select()
}

/**
 * A new single-use link token for a customer: any earlier unused token of the same
 * purpose is voided, so only the latest emailed link works. Returns the raw token
 * (for the email); only its hash is stored.
 */
export async function issueToken(
  db: Db,
  customer: { tenant_id: string; id: string },
  purpose: TokenPurpose,
  now: Date,
  ttlMs: number,
  data?: object,
): Promise<string> {
  await voidTokens(db, customer.id, now, [purpose])
  const { token, hash } = newLinkToken()
  await insertToken(db, {
    tenant_id: customer.tenant_id,
    customer_id: customer.id,
    purpose,
    token_hash: hash,
    created_at: now,
    expires_at: new Date(now.getTime() + ttlMs),
    data,
  })
  return token
}

/** Accepts a TOTP step only if it is later than the last one used (single use, atomically). */
export async function acceptCustomerTotpStep(
  heard: CustomersHeard,
  db: Db,
  id: string,
  step: number,
): Promise<boolean> {
  const updated = await db('customers')
    .where({ id })
    .where((q) => void q.whereNull('totp_last_step').orWhere('totp_last_step', '<', step))
    .update({ totp_last_step: step })
    .returning(['tenant_id', 'id'])
  tell(heard, db, updated)
  return updated.length === 1
}

export async function replaceCustomerRecoveryCodes(
  db: Db,
  tenantId: string,
  customerId: string,
  hashes: string[],
): Promise<void> {
  await db('customer_recovery_codes').where({ customer_id: customerId }).del()
  if (hashes.length)
    await db('customer_recovery_codes').insert(
      hashes.map((code_hash) => ({ tenant_id: tenantId, customer_id: customerId, code_hash })),
    )
}

export async function useCustomerRecoveryCode(
  db: Db,
  customerId: string,
  hash: string,
  now: Date,
): Promise<boolean> {
  const updated = await db('customer_recovery_codes')
    .where({ customer_id: customerId, code_hash: hash })
    .whereNull('used_at')
    .update({ used_at: now })
  return updated === 1
}

export async function unusedRecoveryCodes(db: Db, customerId: string): Promise<number> {
  const row = await db('customer_recovery_codes')
    .where({ customer_id: customerId })
    .whereNull('used_at')
    .count<{ count: string }[]>('* as count')
    .first()
  return Number(row?.count ?? 0)
}
