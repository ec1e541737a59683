import type { Knex } from 'knex'
import type { Db } from '../../db/knex.ts'
import type { ApplicationType, FieldValue, TypeDefinition } from './definition.ts'
import { UNSENT_STATUSES } from './workflows.ts'

export interface ApplicationContent {
  text: string
  contact: string
  values: Record<string, FieldValue>
}

export interface ApplicationRow {
  id: string
  tenant_id: string
  customer_id: string
  /** The person who filed it for the account (a colleague or a representative), if not its own login. */
  filed_by: string | null
  type_id: string
  type_code: string
  number: string | null
  status: string
  content: ApplicationContent
  created_at: Date
  updated_at: Date
  submitted_at: Date | null
  due_on: string | null
  /** The review's working days left while returned to the customer (see deadlines.ts). */
  paused_days: number | null
  /** Returned: the day by which the customer should send it again (a request to complete). */
  complete_by: string | null
  assignee_id: string | null
  last_message_n: string
  last_message_at: Date | null
  customer_read_n: string
  staff_read_n: string
}

export interface MessageRow {
  id: string
  application_id: string
  n: string
  author_type: 'customer' | 'operator'
  author_id: string | null
  body: string
  created_at: Date
}

/** The newest version of every type, by code. */
export function currentTypes(db: Db): Promise<ApplicationType[]> {
  return db('application_types')
    .distinctOn('code')
    .orderBy([{ column: 'code' }, { column: 'version', order: 'desc' }])
    .select<ApplicationType[]>('id', 'code', 'version', 'definition', 'created_at')
}

export function currentType(db: Db, code: string): Promise<ApplicationType | undefined> {
  return db('application_types')
    .where({ code })
    .orderBy('version', 'desc')
    .first<ApplicationType | undefined>('id', 'code', 'version', 'definition', 'created_at')
}

export function typeById(db: Db, id: string): Promise<ApplicationType | undefined> {
  return db('application_types')
    .where({ id })
    .first<ApplicationType | undefined>('id', 'code', 'version', 'definition', 'created_at')
}

export async function insertTypeVersion(
  db: Db,
  row: {
    tenant_id: string
    code: string
    version: number
    definition: TypeDefinition
    created_by: string | null
  },
): Promise<ApplicationType> {
  const [created] = await db('application_types')
    .insert({ ...row, definition: JSON.stringify(row.definition) })
    .returning<ApplicationType[]>(['id', 'code', 'version', 'definition', 'created_at'])
  return created!
}

export function findApplication(db: Db, id: string): Promise<ApplicationRow | undefined> {
  return db('applications').where({ id }).first<ApplicationRow | undefined>()
}

/** Who reads an application: its customer (the account), or staff. */
export type Reader = { side: 'customer'; customerId: string } | { side: 'staff' }

/**
 * The one rule of who may know an application: its customer their own, staff any sent
 * one (a draft, or one waiting for the customer's confirmation, is the customer's alone).
 * As a query condition on `applications` (under `alias`), and as a check of a loaded row.
 */
export const readableBy =
  (reader: Reader, alias = 'applications') =>
  (q: Knex.QueryBuilder): void =>
    void (reader.side === 'customer'
      ? q.where(`${alias}.customer_id`, reader.customerId)
      : q.whereNotIn(`${alias}.status`, UNSENT_STATUSES))

export const mayRead = (
  application: Pick<ApplicationRow, 'customer_id' | 'status'>,
  reader: Reader,
): boolean =>
  reader.side === 'customer'
    ? application.customer_id === reader.customerId
    : !(UNSENT_STATUSES as readonly string[]).includes(application.status)

/** An application as staff may know it (see `readableBy`). */
export function sentApplication(db: Db, id: string): Promise<ApplicationRow | undefined> {
  return db('applications')
    .where({ id })
    .modify(readableBy({ side: 'staff' }))
    .first<ApplicationRow | undefined>()
}

/** The next number of a series: the counter row's lock keeps numbers gapless under concurrency. */
export async function nextNumber(
  trx: Knex.Transaction,
  tenantId: string,
  prefix: string,
  year: number,
): Promise<number> {
  const { rows } = await trx.raw<{ rows: { last: number }[] }>(
    `INSERT INTO application_counters (tenant_id, prefix, year, last) VALUES (?, ?, ?, 1)
     ON CONFLICT (tenant_id, prefix, year) DO UPDATE SET last = application_counters.last + 1
     RETURNING last`,
    [tenantId, prefix, year],
  )
  return rows[0]!.last
}

/** Messages on one page of a conversation: the newest ones, or those before message `before`. */
export const MESSAGES_PER_PAGE = 50

/**
 * A page of a conversation, oldest first: the last MESSAGES_PER_PAGE before message
 * `before` (or the newest), and whether the conversation goes back further.
 */
export async function messagesOf(
  db: Db,
  applicationId: string,
  before?: number,
): Promise<{ messages: MessageRow[]; more: boolean }> {
  const query = db('application_messages')
    .where({ application_id: applicationId })
    .orderBy('n', 'desc')
    .limit(MESSAGES_PER_PAGE + 1)
    .select<MessageRow[]>('id', 'application_id', 'n', 'author_type', 'author_id', 'body', 'created_at')
  if (before !== undefined) void query.where('n', '<', before)
  const rows = await query
  return { messages: rows.slice(0, MESSAGES_PER_PAGE).reverse(), more: rows.length > MESSAGES_PER_PAGE }
}

/**
 * How many messages from the other side one side has not read, as a column of an
 * applications query (`a` is the applications alias).
 */
export function unreadColumn(db: Db, side: 'customer' | 'staff'): Knex.Raw {
  const other = side === 'customer' ? 'operator' : 'customer'
  return db.raw(
    `(SELECT count(*) FROM application_messages m WHERE m.tenant_id = a.tenant_id AND m.application_id = a.id AND m.author_type = ? AND m.n > a.${side}_read_n)::int AS unread`,
    [other],
  )
}
