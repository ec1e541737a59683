import { withTenant } from '../../db/tenant-scope.ts'
import { paginate, type Page } from '../../http/lists.ts'
import { audit } from '../../platform/audit.ts'
import type { RequestContext } from '../../platform/context.ts'
import { ConflictError, InvalidFieldError, NotFoundError } from '../../platform/errors.ts'
import { attachFiles, attachmentsOfMany, type Attachment } from '../../platform/files/attachments.ts'
import type { AcceptedFile } from '../../platform/files/sniff.ts'
import { customerContact, customerEmails, emailCustomer } from '../accounts/index.ts'
import { writeMeter, type ReadingsDeps } from './meters.service.ts'
import { readingsSettings } from './settings.ts'

export const REQUEST_OWNER = 'meter-request'

export interface MeterRequestRow {
  id: string
  customer_id: string
  number: string
  object: string
  tariff: string
  status: 'pending' | 'confirmed' | 'declined'
  meter_id: string | null
  decision_note: string | null
  created_at: Date
  decided_at: Date | null
}

/**
 * A customer asks for a meter to be added (item 1): its number, where it is, the tariff,
 * and a photo (already re-encoded), for staff to confirm. A number that is already a meter
 * of the tenant, or already asked for by this customer, is refused beside the field.
 */
export async function requestMeter(
  deps: ReadingsDeps,
  ctx: RequestContext,
  customerId: string,
  input: { number: string; object: string; tariff: string },
  photos: readonly (AcceptedFile & { field: string })[],
): Promise<string> {
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    if (!readingsSettings.of(ctx.tenant).tariffs.some((t) => t.code === input.tariff))
      throw new InvalidFieldError('tariff', 'readings.meters.errors.tariff')
    if (await trx('meters').where({ number: input.number }).first('id'))
      throw new InvalidFieldError('number', 'readings.requests.errors.known')
    const pending = await trx('meter_requests')
      .where({ customer_id: customerId, number: input.number, status: 'pending' })
      .first<{ id: string } | undefined>('id')
    if (pending) throw new InvalidFieldError('number', 'readings.requests.errors.pending')
    const [row] = await trx('meter_requests')
      .insert({ tenant_id: ctx.tenant.id, customer_id: customerId, ...input })
      .returning<{ id: string }[]>('id')
    await attachFiles(trx, deps.files, ctx, { type: REQUEST_OWNER, id: row!.id }, photos)
    return row!.id
  })
}

/** A customer's requests still waiting or decided in the last months, newest first (a handful). */
export function requestsOf(
  deps: ReadingsDeps,
  ctx: RequestContext,
  customerId: string,
): Promise<MeterRequestRow[]> {
  return withTenant(deps.db, ctx.tenant.id, (trx) =>
    trx('meter_requests')
      .where({ customer_id: customerId })
      .whereNot('status', 'confirmed')
      .orderBy('created_at', 'desc')
      .limit(20)
      .select<MeterRequestRow[]>('*'),
  )
}

/** Staff's list: waiting requests, oldest first, with the customer's address and the photos. */
export function pendingRequests(
  deps: ReadingsDeps,
  ctx: RequestContext,
  page: number,
): Promise<Page<MeterRequestRow & { owner_email: string; photos: Attachment[] }>> {
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const found = await paginate<MeterRequestRow>(
      trx('meter_requests').where({ status: 'pending' }).orderBy('created_at').select('*'),
      page,
    )
    const ids = found.rows.map((r) => r.id)
    const photos = await attachmentsOfMany(trx, REQUEST_OWNER, ids)
    const emails = await customerEmails(
      trx,
      found.rows.map((r) => r.customer_id),
    )
    return {
      ...found,
      rows: found.rows.map((r) => ({
        ...r,
        owner_email: emails.get(r.customer_id) ?? '',
        photos: photos.get(r.id) ?? [],
      })),
    }
  })
}

/**
 * Staff confirm a request with what the photo shows of the register, creating the meter in
 * the same transaction, or decline it with a reason; the customer is emailed either way.
 */
export async function decideRequest(
  deps: ReadingsDeps,
  ctx: RequestContext,
  id: string,
  decision:
    | {
        to: 'confirmed'
        digits: number
        decimals: number
        multiplier: string
        installedOn: string
        amrCode: string | null
      }
    | { to: 'declined'; note: string },
): Promise<void> {
  await withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const request = await trx('meter_requests').where({ id }).forUpdate().first<MeterRequestRow | undefined>()
    if (!request) throw new NotFoundError('meter request')
    if (request.status !== 'pending') throw new ConflictError('already decided')
    let meterId: string | null = null
    if (decision.to === 'confirmed') {
      const tariff = readingsSettings.of(ctx.tenant).tariffs.find((t) => t.code === request.tariff)
      if (!tariff) throw new InvalidFieldError('tariff', 'readings.meters.errors.tariff')
      const contact = await customerContact(trx, request.customer_id)
      if (!contact) throw new NotFoundError('customer')
      meterId = await writeMeter(trx, ctx, null, {
        customerEmail: contact.email,
        number: request.number,
        tariff,
        digits: decision.digits,
        decimals: decision.decimals,
        multiplier: decision.multiplier,
        object: request.object,
        installedOn: decision.installedOn,
        removedOn: null,
        amrCode: decision.amrCode,
        replacesNumber: null,
      })
    }
    const note = decision.to === 'declined' ? decision.note : null
    await trx('meter_requests').where({ id }).update({
      status: decision.to,
      meter_id: meterId,
      decided_by: ctx.actor.id,
      decided_at: deps.clock.now(),
      decision_note: note,
    })
    await audit(trx, ctx, {
      action: `readings.meter-request-${decision.to}`,
      targetType: 'meter-request',
      targetId: id,
      details: { number: request.number, note },
    })
    await emailCustomer(
      trx,
      deps,
      ctx,
      request.customer_id,
      `readings.mail.request${decision.to === 'confirmed' ? 'Confirmed' : 'Declined'}`,
      (m) => ({
        meter: request.number,
        note: note ?? '',
        link: m.link(meterId ? `/services/readings/meters/${meterId}` : '/services/readings'),
      }),
    )
  })
}

/** Whose request a photo belongs to, for the download routes. */
export async function requestPhotoOwner(
  deps: ReadingsDeps,
  ctx: RequestContext,
  requestId: string,
): Promise<string | undefined> {
  const row = await withTenant(deps.db, ctx.tenant.id, (trx) =>
    trx('meter_requests').where({ id: requestId }).first<{ customer_id: string } | undefined>('customer_id'),
  )
  return row?.customer_id
}
