import { assignableOperators } from '../operators/index.ts'
import type { Knex } from 'knex'
import { containing } from '../../db/knex.ts'
import { withTenant } from '../../db/tenant-scope.ts'
import { paginate, paginateShort, QUEUE_COUNT_UP_TO, type Page } from '../../http/lists.ts'
import type { RequestContext } from '../../platform/context.ts'
import { NotFoundError } from '../../platform/errors.ts'
import { dayOf } from '../../platform/time/intervals.ts'
import { readableBy, unreadColumn, type Reader } from './repo.ts'
import type { ApplicationsDeps } from './service.ts'

export interface ListedApplication {
  id: string
  number: string | null
  type_code: string
  type_name: Record<string, string>
  status: string
  created_at: Date
  submitted_at: Date | null
  due_on: string | null
  complete_by?: string | null
  customer_late?: boolean
  unread: number
  customer_name?: string
  customer_email?: string
  assignee_email?: string | null
  overdue?: boolean
}

/** Statuses where the customer has the next move: these come first in their list. */
const CUSTOMER_TURN = ['draft', 'returned']
/** An account's applications with what its lists show of each (type name, unread messages). */
function ofCustomer(trx: Knex.Transaction, customerId: string) {
  return trx('applications as a')
    .leftJoin('application_types as t', function () {
      this.on('t.id', 'a.type_id').andOn('t.tenant_id', 'a.tenant_id')
    })
    .where('a.customer_id', customerId)
    .select(
      'a.id',
      'a.number',
      'a.type_code',
      trx.raw(`t.definition->'name' AS type_name`),
      'a.status',
      'a.created_at',
      'a.submitted_at',
      'a.due_on',
      unreadColumn(trx, 'customer'),
    )
}

/** Statuses still waiting on staff: the ones a due date can be overdue in. */
export const OPEN_FOR_STAFF = ['submitted', 'inProgress', 'contract', 'works', 'checking', 'acts']

export async function customerList(
  deps: ApplicationsDeps,
  ctx: RequestContext,
  customerId: string,
  filter: { status?: string; page: number },
): Promise<Page<ListedApplication>> {
  return withTenant(deps.db, ctx.tenant.id, (trx) => {
    const q = ofCustomer(trx, customerId).orderByRaw(`(a.status = ANY(?)) DESC, a.created_at DESC, a.id`, [
      CUSTOMER_TURN,
    ])
    if (filter.status) q.where('a.status', filter.status)
    // The order (the customer's turn first) sorts every one of the account's applications
    // anyway, so the total comes with the page at no extra cost and a round trip less.
    return paginateShort<ListedApplication>(q, filter.page, 25)
  })
}

/**
 * An account's applications for the API, newest first, a page after `after` (the last one
 * the client saw): keyset paging, so a page stays right while new ones arrive.
 */
export async function customerFeed(
  deps: ApplicationsDeps,
  ctx: RequestContext,
  customerId: string,
  filter: { status?: string; after?: { createdAt: Date; id: string }; limit: number },
): Promise<{ rows: ListedApplication[]; more: boolean }> {
  const rows = await withTenant(deps.db, ctx.tenant.id, (trx) => {
    const q = ofCustomer(trx, customerId)
      .orderBy([
        { column: 'a.created_at', order: 'desc' },
        { column: 'a.id', order: 'desc' },
      ])
      .limit(filter.limit + 1)
    if (filter.status) q.where('a.status', filter.status)
    if (filter.after) q.whereRaw('(a.created_at, a.id) < (?, ?)', [filter.after.createdAt, filter.after.id])
    return q as Promise<ListedApplication[]>
  })
  return { rows: rows.slice(0, filter.limit), more: rows.length > filter.limit }
}

/**
 * Whether the reader may follow an application: a customer their own, staff any sent one of
 * their tenant's (anything else is not found). Checked by reading only, never by writing.
 */
export async function followableApplication(
  deps: ApplicationsDeps,
  ctx: RequestContext,
  id: string,
  reader: Reader,
): Promise<void> {
  const row = await withTenant(deps.db, ctx.tenant.id, (trx) =>
    trx('applications').where({ id }).modify(readableBy(reader)).first<{ id: string } | undefined>('id'),
  )
  if (!row) throw new NotFoundError('application')
}

export interface QueueFilter {
  type?: string
  status?: string
  overdue?: boolean
  assignee?: string
  from?: string
  to?: string
  q?: string
}

/**
 * Whether a search term can occur in an application's number (`TP-2026-000123`: a prefix of
 * at most four letters, the year, the sequence): only letters, digits and hyphens, with no
 * run of more than four letters.
 */
export const mayBeInNumber = (term: string): boolean => /^[a-z0-9-]+$/i.test(term) && !/[a-z]{5}/i.test(term)

/** The staff queue's query (one page of it, or every row for the CSV): filters, search, order. */
export function queueQuery(trx: Knex.Transaction, ctx: RequestContext, now: Date, filter: QueueFilter) {
  const zone = ctx.tenant.settings.timeZone
  // Left joins on whole keys: the page's count drops them (Postgres removes a left join
  // nothing is read from), so counting 10,000 rows does not visit two more tables.
  const q = trx('applications as a')
    .leftJoin('application_types as t', function () {
      this.on('t.id', 'a.type_id').andOn('t.tenant_id', 'a.tenant_id')
    })
    .leftJoin('customer_directory as c', function () {
      this.on('c.id', 'a.customer_id').andOn('c.tenant_id', 'a.tenant_id')
    })
    .leftJoin('staff_directory as o', function () {
      this.on('o.id', 'a.assignee_id').andOn('o.tenant_id', 'a.tenant_id')
    })
    .modify(readableBy({ side: 'staff' }, 'a'))
    .select(
      'a.id',
      'a.number',
      'a.type_code',
      trx.raw(`t.definition->'name' AS type_name`),
      'a.status',
      'a.created_at',
      'a.submitted_at',
      'a.due_on',
      unreadColumn(trx, 'staff'),
      trx.raw(`(a.due_on < ?::date AND a.status = ANY(?)) AS overdue`, [dayOf(now, zone), OPEN_FOR_STAFF]),
      // Returned, and the customer let the day to complete it pass: staff may close it.
      trx.raw(`(a.status = 'returned' AND a.complete_by < ?::date) AS customer_late`, [dayOf(now, zone)]),
      'a.complete_by',
      'c.name as customer_name',
      'c.email as customer_email',
      'o.email as assignee_email',
    )
    .orderBy([
      { column: 'a.submitted_at', order: 'desc' },
      { column: 'a.id', order: 'desc' },
    ])
  if (filter.type) q.where('a.type_code', filter.type)
  if (filter.status) q.where('a.status', filter.status)
  if (filter.overdue) q.whereIn('a.status', OPEN_FOR_STAFF).where('a.due_on', '<', dayOf(now, zone))
  if (filter.assignee === 'none') q.whereNull('a.assignee_id')
  else if (filter.assignee) q.where('a.assignee_id', filter.assignee)
  // Submitted between two local days of the tenant, both included.
  if (filter.from) q.whereRaw(`a.submitted_at >= (?::date)::timestamp AT TIME ZONE ?`, [filter.from, zone])
  if (filter.to) q.whereRaw(`a.submitted_at < ((?::date + 1)::timestamp AT TIME ZONE ?)`, [filter.to, zone])
  if (filter.q) {
    const like = containing(filter.q)
    // No index serves ILIKE here: under row-level security Postgres uses none for an
    // operator that is not LEAKPROOF. So the tenant's numbers are read only when the term
    // could be part of one: a name or an address cannot, and then the matching customers'
    // applications are the rows themselves (by the customer key). When it could, the
    // matching ids come first (numbers, then those customers' applications), the page's
    // rows by primary key: an OR across the join read every application twice.
    const customers = trx
      .from('customer_directory')
      .where((w) => void w.whereILike('email', like).orWhereILike('names', like))
      .select('id')
    if (!mayBeInNumber(filter.q)) void q.whereIn('a.customer_id', customers)
    else
      void q.whereIn(
        'a.id',
        trx
          .from('applications')
          .whereILike('number', like)
          .select('id')
          .union(trx.from('applications').whereIn('customer_id', customers).select('id')),
      )
  }
  return q
}

export function staffQueue(
  deps: ApplicationsDeps,
  ctx: RequestContext,
  filter: QueueFilter,
  page: number,
): Promise<Page<ListedApplication>> {
  return withTenant(deps.db, ctx.tenant.id, (trx) =>
    paginate<ListedApplication>(queueQuery(trx, ctx, deps.clock.now(), filter), page, 50, {
      countUpTo: QUEUE_COUNT_UP_TO,
    }),
  )
}

/** The staff an application can be assigned to: the queue's filter and the page's choice. */
export function assignableStaff(deps: ApplicationsDeps, ctx: RequestContext) {
  return assignableOperators(deps, ctx.tenant.id)
}
