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
