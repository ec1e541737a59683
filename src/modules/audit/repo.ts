import { Temporal } from 'temporal-polyfill'
import type { Db } from '../../db/knex.ts'
import { containing } from '../../db/knex.ts'
import type { AuditFilters } from './schemas.ts'

export interface AuditRow {
  at: Date
  actor_type: string
  actor_email: string | null
  action: string
  target_type: string | null
  target_id: string | null
  ip: string | null
  details: Record<string, unknown>
}

/** The start of a local calendar day in the tenant's zone, as an instant. */
function startOf(day: string, timeZone: string): Date {
  const instant = Temporal.PlainDate.from(day).toZonedDateTime({ timeZone }).toInstant()
  return new Date(instant.epochMilliseconds)
}

/** Who did what, when: the actor's email from whichever table the actor lives in. */
export function auditQuery(db: Db, filters: AuditFilters, timeZone: string) {
  const q = db('audit_log as a')
    .leftJoin('staff_directory as o', function () {
      this.on('o.id', 'a.actor_id').andOn('o.tenant_id', 'a.tenant_id').andOnVal('a.actor_type', 'operator')
    })
    .leftJoin('customer_directory as c', function () {
      this.on('c.id', 'a.actor_id').andOn('c.tenant_id', 'a.tenant_id').andOnVal('a.actor_type', 'customer')
    })
    .select(
      'a.at',
      'a.actor_type',
      db.raw('coalesce(o.email, c.email) as actor_email'),
      'a.action',
      'a.target_type',
      'a.target_id',
      db.raw('host(a.ip) as ip'),
      'a.details',
    )
    .orderBy('a.at', filters.order === 'oldest' ? 'asc' : 'desc')
    // Ties broken by id, so pages and export batches never repeat or skip an entry.
    .orderBy('a.id')
  if (filters.actor) q.where('a.actor_type', filters.actor)
  if (filters.action) q.whereILike('a.action', containing(filters.action))
  if (filters.from) q.where('a.at', '>=', startOf(filters.from, timeZone))
  if (filters.to)
    q.where('a.at', '<', startOf(Temporal.PlainDate.from(filters.to).add({ days: 1 }).toString(), timeZone))
  return q
}
