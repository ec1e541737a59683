import type { Knex } from 'knex'
import { withTenant } from '../../db/tenant-scope.ts'
import { paginate, type Page } from '../../http/lists.ts'
import type { RequestContext } from '../../platform/context.ts'
import type { GenerationDeps } from './service.ts'
import type { Technology } from './units.service.ts'

export const OVERVIEW_STATUSES = ['missing', 'draft', 'submitted', 'accepted', 'rejected'] as const
export type OverviewStatus = (typeof OVERVIEW_STATUSES)[number]

export interface OverviewFilter {
  technology?: Technology
  status?: OverviewStatus
}

export interface OverviewUnit {
  unit_id: string
  code: string
  name: string
  technology: Technology
  capacity_kw: string
  customer_name: string
  schedule_id: string | null
  status: OverviewStatus
  version: number
  total: number | null
  /** Minutes per value of the version: its own, whatever the tenant uses now. */
  resolution: number | null
}

/** Units active on the day, with their schedule's state: one page of them, or all for an export. */
export function overviewQuery(trx: Knex.Transaction, day: string, filter: OverviewFilter) {
  const q = trx('generating_units as g')
    .leftJoin('schedules as s', function () {
      this.on('s.unit_id', 'g.id')
        .andOn('s.tenant_id', 'g.tenant_id')
        .andOn('s.day', trx.raw('?::date', [day]))
    })
    .leftJoin('schedule_versions as v', function () {
      this.on('v.schedule_id', 's.id').andOn('v.tenant_id', 's.tenant_id').andOn('v.version', 's.version')
    })
    .leftJoin('customer_directory as c', function () {
      this.on('c.id', 'g.customer_id').andOn('c.tenant_id', 'g.tenant_id')
    })
    .leftJoin('enrolment_directory as e', function () {
      this.on('e.id', 'g.enrolment_id').andOn('e.tenant_id', 'g.tenant_id')
    })
    .where('g.active_from', '<=', day)
    .where((w) => void w.whereNull('g.active_to').orWhere('g.active_to', '>=', day))
    .select(
      'g.id as unit_id',
      'g.code',
      'g.name',
      'g.technology',
      'g.capacity_kw',
      trx.raw('coalesce(c.name, e.company) AS customer_name'),
      's.id as schedule_id',
      trx.raw(`coalesce(s.status, 'missing') AS status`),
      trx.raw('coalesce(s.version, 0) AS version'),
      'v.total',
      'v.resolution',
    )
    .orderBy('g.code')
  if (filter.technology) void q.where('g.technology', filter.technology)
  if (filter.status === 'missing') void q.whereNull('s.id')
  else if (filter.status) void q.where('s.status', filter.status)
  return q
}

/**
 * The operator's day: the sum per interval across every unit's newest submitted or
 * accepted version (aggregated in SQL: 5,000 units × 96 values never leave the database),
 * counts per status, and one page of units.
 */
export async function dayOverview(
  deps: GenerationDeps,
  ctx: RequestContext,
  day: string,
  intervals: number,
  resolution: number,
  filter: OverviewFilter,
  page: number,
): Promise<{
  totals: (number | null)[]
  counts: Record<string, number>
  otherResolution: number
  page: Page<OverviewUnit>
}> {
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    // One pass with a sum per position: several times faster than unnesting 480,000 values
    // into rows and grouping them (45 ms against 330 ms for 5,000 units × 96).
    const sums = Array.from({ length: intervals }, (_, i) => `sum(v."values"[${i + 1}]) AS t${i + 1}`).join(
      ', ',
    )
    const totals = await trx.raw<{ rows: Record<string, number | null>[] }>(
      `SELECT ${sums}
       FROM schedules s
       JOIN schedule_versions v ON v.tenant_id = s.tenant_id AND v.schedule_id = s.id AND v.version = s.version
       JOIN generating_units g ON g.tenant_id = s.tenant_id AND g.id = s.unit_id
       WHERE s.day = ?::date AND s.status IN ('submitted', 'accepted') AND v.resolution = ?
         ${filter.technology ? 'AND g.technology = ?' : ''}`,
      filter.technology ? [day, resolution, filter.technology] : [day, resolution],
    )
    // Versions approved on another market time unit (before the tenant changed it) cannot be
    // summed per interval with the others; the page says how many were left out.
    const other = await trx('schedules as s')
      .join('schedule_versions as v', function () {
        this.on('v.schedule_id', 's.id').andOn('v.tenant_id', 's.tenant_id').andOn('v.version', 's.version')
      })
      .where('s.day', day)
      .whereIn('s.status', ['submitted', 'accepted'])
      .whereNot('v.resolution', resolution)
      .count<{ n: string }[]>('* as n')
    const counted = await trx('generating_units as g')
      .leftJoin('schedules as s', function () {
        this.on('s.unit_id', 'g.id')
          .andOn('s.tenant_id', 'g.tenant_id')
          .andOn('s.day', trx.raw('?::date', [day]))
      })
      .where('g.active_from', '<=', day)
      .where((w) => void w.whereNull('g.active_to').orWhere('g.active_to', '>=', day))
      .modify((q) => void (filter.technology ? q.where('g.technology', filter.technology) : q))
      .groupByRaw(`coalesce(s.status, 'missing')`)
      .select<{ status: string; n: string }[]>(
        trx.raw(`coalesce(s.status, 'missing') AS status`),
        trx.raw('count(*) AS n'),
      )
    const list = await paginate<OverviewUnit>(overviewQuery(trx, day, filter), page, 100)
    const row = totals.rows[0] ?? {}
    return {
      totals: Array.from({ length: intervals }, (_, i) => {
        const v = row[`t${i + 1}`]
        return v === null || v === undefined ? null : Number(v)
      }),
      counts: Object.fromEntries(counted.map((c) => [c.status, Number(c.n)])),
      otherResolution: Number(other[0]?.n ?? 0),
      page: list,
    }
  })
}
