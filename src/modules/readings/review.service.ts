import type { Knex } from 'knex'
import { withTenant } from '../../db/tenant-scope.ts'
import { paginate, type Page } from '../../http/lists.ts'
import { audit } from '../../platform/audit.ts'
import type { RequestContext } from '../../platform/context.ts'
import { ConflictError, NotFoundError } from '../../platform/errors.ts'
import { attachmentsOfMany } from '../../platform/files/attachments.ts'
import { customerEmails, emailCustomer } from '../accounts/index.ts'
import type { MeterRow, ReadingsDeps } from './meters.service.ts'
import { PHOTO_OWNER, withValues, type ReadingRow, type ReadingWithPhotos } from './readings.service.ts'

/** Readings waiting for staff (oldest first), with meter and customer. */
export function awaitingReview(
  deps: ReadingsDeps,
  ctx: RequestContext,
  page: number,
): Promise<Page<ReadingWithPhotos & { meter_number: string; object: string; owner_email: string }>> {
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const found = await paginate<ReadingRow & { meter_number: string; object: string; owner: string }>(
      withValues(trx)
        .join('meters as m', 'm.id', 'r.meter_id')
        .select('m.number as meter_number', 'm.object', 'm.customer_id as owner')
        .where('r.status', 'review')
        .orderBy('r.created_at'),
      page,
    )
    const emails = await customerEmails(
      trx,
      found.rows.map((r) => r.owner),
    )
    const photos = await attachmentsOfMany(
      trx,
      PHOTO_OWNER,
      found.rows.map((r) => r.id),
    )
    return {
      ...found,
      rows: found.rows.map((r) => ({
        ...r,
        photos: photos.get(r.id) ?? [],
        owner_email: emails.get(r.owner) ?? '',
      })),
    }
  })
}

/**
 * Staff accept or reject a reading under review (a rejection says why); the customer is
 * emailed either way. Only a reading still under review can be decided.
 */
export async function decideReading(
  deps: ReadingsDeps,
  ctx: RequestContext,
  readingId: string,
  decision: { to: 'accepted' | 'rejected'; note: string },
): Promise<void> {
  await withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const reading = await trx('meter_readings')
      .where({ id: readingId })
      .forUpdate()
      .first<ReadingRow | undefined>()
    if (!reading) throw new NotFoundError('reading')
    if (reading.status !== 'review') throw new ConflictError('already decided')
    const meter = await trx('meters').where({ id: reading.meter_id }).first<MeterRow>()
    await trx('meter_readings')
      .where({ id: readingId })
      .update({
        status: decision.to,
        decided_by: ctx.actor.id,
        decided_at: deps.clock.now(),
        decision_note: decision.note || null,
      })
    await audit(trx, ctx, {
      action: `readings.reading-${decision.to}`,
      targetType: 'meter',
      targetId: meter.id,
      details: { reading: readingId, day: reading.read_on, note: decision.note },
    })
    await emailCustomer(trx, deps, ctx, meter.customer_id, `readings.mail.${decision.to}`, (m) => ({
      meter: meter.number,
      day: m.fmt.date(reading.read_on),
      note: decision.note,
      link: m.link(`/services/readings/meters/${meter.id}`),
    }))
    await deps.events.emit(trx, ctx, 'account.changed', {
      accountId: meter.customer_id,
      type: 'reading.decided',
      data: { meter: meter.id, reading: readingId, day: reading.read_on, status: decision.to },
    })
  })
}

export interface PeriodRow extends MeterRow {
  owner_email: string
  /** The meter's latest live reading in the period, or null: it is missing one. */
  reading: ReadingRow | null
}

/** The meters in service during a period, with or (`missing`) without a reading in it. */
const inPeriod = (trx: Knex.Transaction, period: { from: string; to: string; missing: boolean }) =>
  trx('meters as m')
    .where('m.installed_on', '<=', period.to)
    .where((w) => void w.whereNull('m.removed_on').orWhere('m.removed_on', '>=', period.from))
    .modify((q) => {
      if (period.missing)
        void q.whereNotExists(
          trx('meter_readings as r')
            .whereRaw('r.meter_id = m.id')
            .whereIn('r.status', ['accepted', 'review'])
            .whereBetween('r.read_on', [period.from, period.to]),
        )
    })

/**
 * Staff's overview of a period (item 7): a page of the meters in service, each with its
 * reading of the period — or only those missing one, to chase before billing.
 */
export function periodReadings(
  deps: ReadingsDeps,
  ctx: RequestContext,
  period: { from: string; to: string; missing: boolean; page: number },
): Promise<Page<PeriodRow>> {
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const found = await paginate<MeterRow>(
      inPeriod(trx, period).orderBy('m.number').select('m.*'),
      period.page,
    )
    const readings = found.rows.length
      ? await withValues(trx)
          .distinctOn('r.meter_id')
          .whereIn(
            'r.meter_id',
            found.rows.map((m) => m.id),
          )
          .whereIn('r.status', ['accepted', 'review'])
          .whereBetween('r.read_on', [period.from, period.to])
          .orderBy([{ column: 'r.meter_id' }, { column: 'r.read_on', order: 'desc' }])
      : []
    const byMeter = new Map((readings as ReadingRow[]).map((r) => [r.meter_id, r]))
    const emails = await customerEmails(
      trx,
      found.rows.map((m) => m.customer_id),
    )
    return {
      ...found,
      rows: found.rows.map((m) => ({
        ...m,
        owner_email: emails.get(m.customer_id) ?? '',
        reading: byMeter.get(m.id) ?? null,
      })),
    }
  })
}

/** The same list for a CSV: the query, read through a cursor by the export. */
export const periodQuery = (trx: Knex.Transaction, period: { from: string; to: string; missing: boolean }) =>
  inPeriod(trx, period)
    .leftJoin('customer_directory as c', function () {
      this.on('c.id', 'm.customer_id').andOn('c.tenant_id', 'm.tenant_id')
    })
    .orderBy('m.number')
    .select(
      'm.number',
      'm.object',
      'm.tariff',
      'c.email as owner_email',
      trx.raw(
        `(SELECT max(r.read_on) FROM meter_readings r WHERE r.meter_id = m.id
           AND r.status IN ('accepted', 'review') AND r.read_on BETWEEN ? AND ?) AS read_on`,
        [period.from, period.to],
      ),
    )
