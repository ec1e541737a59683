import type { Knex } from 'knex'
import { withTenant } from '../../db/tenant-scope.ts'
import type { RequestContext } from '../../platform/context.ts'
import { addDays, localMoment } from '../../platform/time/intervals.ts'
import type { Interval80020 } from './amr/format80020.ts'
import { LOCK_INTERVALS, startsAt } from './amr/ingest.ts'

type IntervalDeps = { db: Knex }

export interface StoredInterval {
  point_code: string
  channel: string
  starts_at: Date
  minutes: number
  value: string | null
  status: string | null
}

/**
 * A day the customer fetched from the head-end, kept as interval data (item 11): the same
 * table bulk imports fill, a period's value replaced only when the head-end now says
 * something else. A fetch is a few hundred rows, so conflicts are handled row by row here.
 */
export async function keepFetchedDay(
  deps: IntervalDeps,
  ctx: RequestContext,
  day: string,
  intervals: readonly Interval80020[],
): Promise<void> {
  if (!intervals.length) return
  const utc = startsAt(ctx.tenant.settings.timeZone)
  await withTenant(deps.db, ctx.tenant.id, async (trx) => {
    await trx.raw(LOCK_INTERVALS.replace('$1', '?'), [ctx.tenant.id])
    const rows = intervals.map((i) => ({
      tenant_id: ctx.tenant.id,
      point_code: i.point.code,
      channel: i.channel,
      starts_at: utc(day, i.start, i.summer),
      minutes: i.minutes,
      value: i.value,
      status: i.status,
    }))
    for (let at = 0; at < rows.length; at += 1_000)
      await trx('amr_intervals')
        .insert(rows.slice(at, at + 1_000))
        .onConflict(['tenant_id', 'point_code', 'channel', 'starts_at'])
        .merge(['minutes', 'value', 'status'])
        .whereRaw(
          '(amr_intervals.minutes, amr_intervals.value, amr_intervals.status) IS DISTINCT FROM (excluded.minutes, excluded.value, excluded.status)',
        )
  })
}

/**
 * How far each point's A+ data is complete (item 2): the end of the last period before
 * the first hole — a period without a value, or a gap between two stored periods — or
 * of the last stored period when there is none. Absent for a point with no data.
 */
export async function completeUntil(
  deps: IntervalDeps,
  ctx: RequestContext,
  points: readonly string[],
): Promise<Map<string, Date>> {
  if (!points.length) return new Map()
  const rows = await withTenant(deps.db, ctx.tenant.id, (trx) =>
    trx
      .with('s', (q) =>
        q
          .from('amr_intervals')
          .whereIn('point_code', points)
          .where('channel', '01')
          .select(
            'point_code',
            'starts_at',
            'value',
            trx.raw(`starts_at + minutes * interval '1 minute' AS ends_at`),
            trx.raw(
              `lag(starts_at + minutes * interval '1 minute') OVER (PARTITION BY point_code ORDER BY starts_at) AS previous_end`,
            ),
          ),
      )
      .from('s')
      .groupBy('point_code')
      .select<{ point_code: string; until: Date }[]>(
        'point_code',
        trx.raw(`coalesce(
          min(CASE WHEN value IS NULL THEN starts_at WHEN previous_end < starts_at THEN previous_end END),
          max(ends_at)) AS until`),
      ),
  )
  return new Map(rows.map((r) => [r.point_code, r.until]))
}

/** A point's stored periods of a local day, every channel, in order (the profile and its CSV). */
export function storedDay(
  deps: IntervalDeps,
  ctx: RequestContext,
  point: string,
  day: string,
): Promise<StoredInterval[]> {
  const zone = ctx.tenant.settings.timeZone
  return withTenant(deps.db, ctx.tenant.id, (trx) =>
    trx('amr_intervals')
      .where({ point_code: point })
      .where('starts_at', '>=', localMoment(day, 0, '00:00', zone))
      .where('starts_at', '<', localMoment(addDays(day, 1), 0, '00:00', zone))
      .orderBy(['channel', 'starts_at'])
      .select('point_code', 'channel', 'starts_at', 'minutes', trx.raw('value::text AS value'), 'status'),
  )
}

export const GROUPS = ['interval', 'hour', 'day', 'month'] as const
export type GroupBy = (typeof GROUPS)[number]

export interface SeriesPoint {
  starts_at: Date
  ends_at: Date
  /** The sum of the periods' values, at the scale they were stored with; null when none had one. */
  value: string | null
  periods: number
  missing: number
}

/**
 * A point's channel over `[from, to)`, period by period or summed per hour, local day or
 * local month (the API's `group_by`): days and months begin at the tenant's midnight, so
 * a DST day has its 23 or 25 hours; an hour is a UTC hour (every tenant's offset is whole).
 */
export function intervalSeries(
  deps: IntervalDeps,
  ctx: RequestContext,
  query: { point: string; channel: string; from: Date; to: Date; groupBy: GroupBy },
): Promise<SeriesPoint[]> {
  const zone = ctx.tenant.settings.timeZone
  return withTenant(deps.db, ctx.tenant.id, (trx) => {
    const rows = trx('amr_intervals')
      .where({ point_code: query.point, channel: query.channel })
      .where('starts_at', '>=', query.from)
      .where('starts_at', '<', query.to)
    if (query.groupBy === 'interval')
      return rows
        .orderBy('starts_at')
        .select<SeriesPoint[]>(
          'starts_at',
          trx.raw(`starts_at + minutes * interval '1 minute' AS ends_at`),
          trx.raw('value::text AS value'),
          trx.raw('1 AS periods'),
          trx.raw('(value IS NULL)::int AS missing'),
        )
    const start =
      query.groupBy === 'hour'
        ? trx.raw(`date_trunc('hour', starts_at)`)
        : trx.raw(`date_trunc(?, starts_at AT TIME ZONE ?) AT TIME ZONE ?`, [query.groupBy, zone, zone])
    const step = { hour: '1 hour', day: '1 day', month: '1 month' }[query.groupBy]
    return trx
      .from(rows.select(trx.raw('? AS starts_at', [start]), 'value').as('p'))
      .groupBy('starts_at')
      .orderBy('starts_at')
      .select<SeriesPoint[]>(
        'starts_at',
        trx.raw(
          query.groupBy === 'hour'
            ? `starts_at + interval '1 hour' AS ends_at`
            : `((starts_at AT TIME ZONE ?) + interval '${step}') AT TIME ZONE ? AS ends_at`,
          query.groupBy === 'hour' ? [] : [zone, zone],
        ),
        trx.raw('sum(value)::text AS value'),
        trx.raw('count(*)::int AS periods'),
        trx.raw('(count(*) - count(value))::int AS missing'),
      )
  })
}
