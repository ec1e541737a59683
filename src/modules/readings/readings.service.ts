import type { Knex } from 'knex'
import { withTenant } from '../../db/tenant-scope.ts'
import { paginateShort, type Page } from '../../http/lists.ts'
import { audit } from '../../platform/audit.ts'
import type { RequestContext } from '../../platform/context.ts'
import { NotFoundError } from '../../platform/errors.ts'
import { attachFiles, attachmentsOfMany, type Attachment } from '../../platform/files/attachments.ts'
import type { AcceptedFile } from '../../platform/files/sniff.ts'
import { dayOf, parseDay } from '../../platform/time/intervals.ts'
import { meterFacts, type MeterRow, type ReadingsDeps } from './meters.service.ts'
import { checkReading, type PastReading, type ReadingInput, type Verdict } from './rules.ts'
import { readingsSettings } from './settings.ts'

export type ReadingSource = 'customer' | 'operator' | 'amr' | 'estimated'
export type ReadingStatus = 'accepted' | 'review' | 'rejected' | 'superseded'

export interface ReadingRow {
  id: string
  meter_id: string
  read_on: string
  source: ReadingSource
  status: ReadingStatus
  rollover: boolean
  jump_confirmed: boolean
  review_reason: string | null
  review_note: string | null
  customer_id: string | null
  operator_id: string | null
  operator_reason: string | null
  created_at: Date
  decided_at: Date | null
  decision_note: string | null
  values: Record<string, string>
  /** Energy per zone since the accepted reading before it; null for the first. */
  consumption: Record<string, string> | null
}

export interface ReadingWithPhotos extends ReadingRow {
  photos: Attachment[]
}

export const PHOTO_OWNER = 'meter-reading'
/** Enough accepted readings to judge a new one by: a year of monthly readings and some. */
const RECENT = 14

/**
 * Readings with their values per zone and, for pages (not for the rules, which judge in
 * register units), from the `meter_reading_use` view the energy each stands for.
 */
export const withValues = (trx: Knex.Transaction, use = true) =>
  trx('meter_readings as r').select(
    'r.*',
    trx.raw(
      `(SELECT json_object_agg(v.zone, v.value::text) FROM meter_reading_values v WHERE v.reading_id = r.id) AS values`,
    ),
    ...(use
      ? [
          trx.raw(
            `(SELECT json_object_agg(u.zone, u.consumption::text) FROM meter_reading_use u
               WHERE u.reading_id = r.id AND u.consumption IS NOT NULL) AS consumption`,
          ),
        ]
      : []),
  )

const past = (r: ReadingRow): PastReading => ({ readOn: r.read_on, values: r.values, rollover: r.rollover })

/** A meter's last accepted readings (most recent first), for the rules. */
async function recentAccepted(trx: Knex.Transaction, meterId: string): Promise<ReadingRow[]> {
  return withValues(trx, false)
    .where({ 'r.meter_id': meterId, 'r.status': 'accepted' })
    .orderBy('r.read_on', 'desc')
    .limit(RECENT)
}

export type EnterResult =
  { verdict: Extract<Verdict, { ok: false }> } | { id: string; status: 'accepted' | 'review' }

/**
 * Enters a reading of a meter (issue 19 items 3–5): checked by the rules against the
 * meter's accepted history, then stored with its values — superseding a live reading of
 * the same day, which stays in history. The meter's row is locked, so two readings of one
 * meter are judged one after the other. A customer's reading that insists on a value the
 * rules refuse keeps its photo and waits for staff's review.
 */
export async function enterReading(
  deps: ReadingsDeps,
  ctx: RequestContext,
  meterId: string,
  input: ReadingInput & { note: string },
  by: { customerId: string } | { operatorId: string; reason: string; estimate?: boolean },
  photos: readonly (AcceptedFile & { field: string })[],
): Promise<EnterResult> {
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const meter = await trx('meters')
      .where({ id: meterId })
      .modify((q) => void ('customerId' in by ? q.where({ customer_id: by.customerId }) : q))
      .forUpdate()
      .first<MeterRow | undefined>()
    if (!meter) throw new NotFoundError('meter')
    const latest = await withValues(trx, false)
      .where({ 'r.meter_id': meterId })
      .whereIn('r.status', ['accepted', 'review'])
      .orderBy('r.read_on', 'desc')
      .first<ReadingRow | undefined>()
    const accepted = await recentAccepted(trx, meterId)
    const verdict = checkReading(input, meterFacts(meter), {
      today: dayOf(deps.clock.now(), ctx.tenant.settings.timeZone),
      by: 'customerId' in by ? 'customer' : 'operator',
      settings: readingsSettings.of(ctx.tenant),
      latest: latest ? past(latest) : null,
      accepted: accepted.map(past),
    })
    if (!verdict.ok) return { verdict }
    const day = input.day.trim()
    await trx('meter_readings')
      .where({ meter_id: meterId, read_on: day })
      .whereIn('status', ['accepted', 'review'])
      .update({ status: 'superseded' })
    const review = verdict.status === 'review'
    const [row] = await trx('meter_readings')
      .insert({
        tenant_id: ctx.tenant.id,
        meter_id: meterId,
        read_on: day,
        source: 'customerId' in by ? 'customer' : by.estimate ? 'estimated' : 'operator',
        status: verdict.status,
        rollover: verdict.rollover,
        jump_confirmed: verdict.jumpConfirmed,
        review_reason: review ? input.reason : null,
        review_note: review && input.note ? input.note : null,
        customer_id: 'customerId' in by ? by.customerId : null,
        operator_id: 'operatorId' in by ? by.operatorId : null,
        operator_reason: 'operatorId' in by ? by.reason : null,
      })
      .returning<{ id: string }[]>('id')
    await trx('meter_reading_values').insert(
      Object.entries(verdict.values).map(([zone, value]) => ({
        tenant_id: ctx.tenant.id,
        reading_id: row!.id,
        zone,
        value,
      })),
    )
    if (review && photos.length)
      await attachFiles(trx, deps.files, ctx, { type: PHOTO_OWNER, id: row!.id }, photos)
    if ('operatorId' in by)
      await audit(trx, ctx, {
        action: 'readings.reading-entered',
        targetType: 'meter',
        targetId: meterId,
        details: {
          day,
          values: verdict.values,
          reason: by.reason,
          estimate: by.estimate ?? false,
          superseded: latest?.read_on === day,
        },
      })
    if (verdict.status === 'accepted')
      await deps.events.emit(trx, ctx, 'account.changed', {
        accountId: meter.customer_id,
        type: 'reading.decided',
        data: { meter: meterId, reading: row!.id, day, status: 'accepted' },
      })
    return { id: row!.id, status: verdict.status }
  })
}

/**
 * A meter's readings with those of the meter it replaced (one history across an exchange),
 * newest first: by the day read, then as entered, then by id, so pages never repeat one.
 */
function acrossExchange(trx: Knex.Transaction, meter: MeterRow) {
  return withValues(trx)
    .whereIn('r.meter_id', [meter.id, ...(meter.replaces_id ? [meter.replaces_id] : [])])
    .orderBy([
      { column: 'r.read_on', order: 'desc' },
      { column: 'r.created_at', order: 'desc' },
      { column: 'r.id', order: 'desc' },
    ])
}

/**
 * A page of a meter's readings, newest first (every one: superseded, rejected and under
 * review too, each marked), with consumption and photos, together with the readings of
 * the meter it replaced, so history spans an exchange.
 */
export async function readingHistory(
  deps: ReadingsDeps,
  ctx: RequestContext,
  meter: MeterRow,
  page: number,
): Promise<Page<ReadingWithPhotos & { meter_number: string }>> {
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const found = await paginateShort<ReadingRow & { meter_number: string }>(
      acrossExchange(trx, meter).join('meters as m', 'm.id', 'r.meter_id').select('m.number as meter_number'),
      page,
    )
    // Only a reading sent for review carries a photo: most pages need not ask.
    const photos = await attachmentsOfMany(
      trx,
      PHOTO_OWNER,
      found.rows.filter((r) => r.review_reason).map((r) => r.id),
    )
    return { ...found, rows: found.rows.map((r) => ({ ...r, photos: photos.get(r.id) ?? [] })) }
  })
}

export interface MonthlyUse {
  months: string[]
  /** Per zone, per month: the energy of the readings taken that month; null for none. */
  zones: { zone: string; values: (string | null)[] }[]
}

/**
 * Consumption per month and zone over the last `months` months (the chart of item 6):
 * each accepted reading's consumption counts in the month it was taken, as a bill would.
 */
export async function monthlyUse(
  deps: ReadingsDeps,
  ctx: RequestContext,
  meter: MeterRow,
  months = 12,
): Promise<MonthlyUse> {
  const today = dayOf(deps.clock.now(), ctx.tenant.settings.timeZone)
  const labels = Array.from({ length: months }, (_, i) => monthsBack(today, months - 1 - i))
  const sums = await withTenant(deps.db, ctx.tenant.id, (trx) =>
    trx('meter_reading_use')
      .where({ meter_id: meter.id, status: 'accepted' })
      .where('read_on', '>=', `${labels[0]}-01`)
      .whereNotNull('consumption')
      .groupByRaw(`1, 2`)
      .select<{ month: string; zone: string; total: string }[]>(
        trx.raw(`to_char(read_on, 'YYYY-MM') AS month`),
        'zone',
        trx.raw('sum(consumption)::text AS total'),
      ),
  )
  const total = new Map(sums.map((s) => [`${s.month}/${s.zone}`, s.total]))
  return {
    months: labels,
    zones: meter.zones.map((zone) => ({
      zone,
      values: labels.map((month) => total.get(`${month}/${zone}`) ?? null),
    })),
  }
}

/** The month (`2026-11`) `n` months before the month of `day`. */
const monthsBack = (day: string, n: number): string =>
  parseDay(day).toPlainYearMonth().subtract({ months: n }).toString()

/** Each meter's latest live reading (accepted or under review), for the meters' list. */
export async function latestReadings(
  deps: ReadingsDeps,
  ctx: RequestContext,
  meterIds: readonly string[],
): Promise<Map<string, ReadingRow>> {
  if (!meterIds.length) return new Map()
  const rows = await withTenant(deps.db, ctx.tenant.id, (trx) =>
    withValues(trx)
      .distinctOn('r.meter_id')
      .whereIn('r.meter_id', meterIds)
      .whereIn('r.status', ['accepted', 'review'])
      .orderBy([{ column: 'r.meter_id' }, { column: 'r.read_on', order: 'desc' }]),
  )
  return new Map(rows.map((r: ReadingRow) => [r.meter_id, r]))
}

/** Whose meter a reading's photo shows (the customer's id), for the download route to authorise. */
export async function readingPhotoOwner(
  deps: ReadingsDeps,
  ctx: RequestContext,
  readingId: string,
): Promise<string | undefined> {
  const row = await withTenant(deps.db, ctx.tenant.id, (trx) =>
    trx('meter_readings as r')
      .join('meters as m', 'm.id', 'r.meter_id')
      .where('r.id', readingId)
      .first<{ customer_id: string } | undefined>('m.customer_id'),
  )
  return row?.customer_id
}

/**
 * A meter's readings newest first for the API, after a cursor (the last row's day, entry
 * time and id): every status, with consumption, spanning the meter it replaced.
 */
export async function readingFeed(
  deps: ReadingsDeps,
  ctx: RequestContext,
  meter: MeterRow,
  page: { after?: { readOn: string; createdAt: Date; id: string }; limit: number },
): Promise<{ rows: ReadingRow[]; more: boolean }> {
  const rows = await withTenant(deps.db, ctx.tenant.id, (trx) => {
    const q = acrossExchange(trx, meter).limit(page.limit + 1)
    if (page.after)
      q.whereRaw('(r.read_on, r.created_at, r.id) < (?, ?, ?)', [
        page.after.readOn,
        page.after.createdAt,
        page.after.id,
      ])
    return q as Promise<ReadingRow[]>
  })
  return { rows: rows.slice(0, page.limit), more: rows.length > page.limit }
}
