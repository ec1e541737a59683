import { containing, type Db } from '../../db/knex.ts'

export type EnrolmentStatus = 'pending' | 'used' | 'expired' | 'revoked'

export interface EnrolmentRow {
  tenant_id: string
  id: string
  service: string
  company: string
  email: string
  phone: string | null
  request_id: string | null
  created_at: Date
  expires_at: Date
  used_at: Date | null
  used_by: string | null
  revoked_at: Date | null
  failed_attempts: number
}

export interface AccessRequestRow {
  tenant_id: string
  id: string
  service: string
  company: string
  email: string
  phone: string
  locale: string
  created_at: Date
  handled_at: Date | null
}

/** Too many wrong-email attempts lock a token, as if revoked. */
export const MAX_TOKEN_ATTEMPTS = 5

export function enrolmentStatus(e: EnrolmentRow, now: Date): EnrolmentStatus {
  if (e.used_at) return 'used'
  if (e.revoked_at || e.failed_attempts >= MAX_TOKEN_ATTEMPTS) return 'revoked'
  if (e.expires_at <= now) return 'expired'
  return 'pending'
}

export async function insertEnrolment(
  db: Db,
  row: Omit<EnrolmentRow, 'id' | 'used_at' | 'used_by' | 'revoked_at' | 'failed_attempts'> & {
    token_hash: string
    created_by: string | null
  },
): Promise<EnrolmentRow> {
  const [inserted] = await db('enrolments').insert(row).returning<EnrolmentRow[]>('*')
  if (!inserted) throw new Error('enrolment insert returned nothing')
  return inserted
}

export async function findEnrolment(db: Db, id: string): Promise<EnrolmentRow | undefined> {
  return db('enrolments').where({ id }).first<EnrolmentRow | undefined>()
}

/** The addresses enrolments were issued to, by id (a page of rows waiting for their tokens). */
export async function enrolmentEmails(db: Db, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map()
  const rows = await db('enrolments')
    .whereIn('id', [...new Set(ids)])
    .select<{ id: string; email: string }[]>('id', 'email')
  return new Map(rows.map((r) => [r.id, r.email]))
}

export async function findEnrolmentByToken(db: Db, hash: string): Promise<EnrolmentRow | undefined> {
  return db('enrolments').where({ token_hash: hash }).first<EnrolmentRow | undefined>()
}

/** Uses the enrolment once: only an unused, unrevoked, unexpired, unlocked row matches. */
export async function consumeEnrolment(db: Db, id: string, customerId: string, now: Date): Promise<boolean> {
  const updated = await db('enrolments')
    .where({ id })
    .whereNull('used_at')
    .whereNull('revoked_at')
    .where('expires_at', '>', now)
    .where('failed_attempts', '<', MAX_TOKEN_ATTEMPTS)
    .update({ used_at: now, used_by: customerId })
  return updated === 1
}

export async function countFailedAttempt(db: Db, id: string): Promise<void> {
  await db('enrolments').where({ id }).increment('failed_attempts', 1)
}

/** Staff's enrolment list, newest first, filtered in SQL: a query to page through or export. */
export function enrolmentQuery(
  db: Db,
  filter: { status?: EnrolmentStatus; service?: string; q?: string },
  now: Date,
) {
  const q = db('enrolments').orderBy('created_at', 'desc').orderBy('id')
  if (filter.service) void q.where({ service: filter.service })
  if (filter.q) {
    const like = containing(filter.q)
    void q.where((w) => void w.whereILike('email', like).orWhereILike('company', like))
  }
  // The same rules as enrolmentStatus(), in SQL, so the limit applies after the filter.
  const live = (w: typeof q) =>
    w.whereNull('used_at').whereNull('revoked_at').where('failed_attempts', '<', MAX_TOKEN_ATTEMPTS)
  if (filter.status === 'used') void q.whereNotNull('used_at')
  if (filter.status === 'revoked') {
    void q
      .whereNull('used_at')
      .where((w) => void w.whereNotNull('revoked_at').orWhere('failed_attempts', '>=', MAX_TOKEN_ATTEMPTS))
  }
  if (filter.status === 'expired') void live(q).where('expires_at', '<=', now)
  if (filter.status === 'pending') void live(q).where('expires_at', '>', now)
  return q.select()
}

export async function revokeEnrolment(db: Db, id: string, now: Date, replacedBy?: string): Promise<boolean> {
  const updated = await db('enrolments')
    .where({ id })
    .whereNull('used_at')
    .whereNull('revoked_at')
    .update({ revoked_at: now, replaced_by: replacedBy ?? null })
  return updated === 1
}

export async function currentServices(db: Db, customerId: string): Promise<string[]> {
  return db('customer_services')
    .where({ customer_id: customerId })
    .whereNull('removed_at')
    .orderBy('added_at')
    .pluck('service')
}

export async function addCustomerService(
  db: Db,
  row: {
    tenant_id: string
    customer_id: string
    service: string
    enrolment_id: string | null
    added_by: string
    added_at: Date
  },
): Promise<boolean> {
  const inserted = await db('customer_services')
    .insert(row)
    .onConflict(db.raw('(tenant_id, customer_id, service) WHERE removed_at IS NULL'))
    .ignore()
    .returning('id')
  return inserted.length === 1
}

export async function removeCustomerService(
  db: Db,
  customerId: string,
  service: string,
  now: Date,
): Promise<boolean> {
  const updated = await db('customer_services')
    .where({ customer_id: customerId, service })
    .whereNull('removed_at')
    .update({ removed_at: now })
  return updated === 1
}

export async function insertAccessRequest(
  db: Db,
  row: Omit<AccessRequestRow, 'id' | 'handled_at'>,
): Promise<AccessRequestRow> {
  const [inserted] = await db('access_requests').insert(row).returning<AccessRequestRow[]>('*')
  if (!inserted) throw new Error('access request insert returned nothing')
  return inserted
}

/** The access-request queue (open ones, or all), newest first. */
export function accessRequestQuery(db: Db, open: boolean) {
  const q = db('access_requests').orderBy('created_at', 'desc').orderBy('id')
  if (open) void q.whereNull('handled_at')
  return q.select()
}

export async function findAccessRequest(db: Db, id: string): Promise<AccessRequestRow | undefined> {
  return db('access_requests').where({ id }).first<AccessRequestRow | undefined>()
}

export async function markRequestHandled(db: Db, id: string, operatorId: string, now: Date): Promise<void> {
  await db('access_requests')
    .where({ id })
    .whereNull('handled_at')
    .update({ handled_at: now, handled_by: operatorId })
}

/**
 * The newest enrolment in a service still waiting for its token (not used, revoked or
 * expired) for an email: what another module may attach things to before the account exists.
 */
export function pendingEnrolmentFor(
  db: Db,
  service: string,
  email: string,
  now: Date,
): Promise<EnrolmentRow | undefined> {
  return db('enrolments')
    .where({ service })
    .whereRaw('lower(email) = lower(?)', [email])
    .whereNull('used_at')
    .whereNull('revoked_at')
    .where('expires_at', '>', now)
    .where('failed_attempts', '<', MAX_TOKEN_ATTEMPTS)
    .orderBy('created_at', 'desc')
    .first<EnrolmentRow | undefined>()
}
