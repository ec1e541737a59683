import type { Knex } from 'knex'
import { withTenant } from '../../db/tenant-scope.ts'
import { audit } from '../../platform/audit.ts'
import type { RequestContext } from '../../platform/context.ts'
import { ConflictError, NotFoundError } from '../../platform/errors.ts'
import { attachFiles, detachAll, detachFile } from '../../platform/files/attachments.ts'
import type { AcceptedFile } from '../../platform/files/sniff.ts'
import {
  editable,
  lockRegistration,
  MEMBER_OWNER,
  UNIT_OWNER,
  type MarketDeps,
} from './registration.service.ts'

/** The applicant's registration locked for a change to its units, if units are theirs to change. */
async function forUnits(trx: Knex.Transaction, customerId: string, kind: 'consumption' | 'generating') {
  const member = await lockRegistration(trx, customerId)
  const own = member.member_type === (kind === 'generating' ? 'generator' : 'power_user')
  if (!own || !editable(member, 'units'))
    throw new ConflictError(`no ${kind} units for this registration now`)
  return member
}

export interface ConsumptionUnitInput {
  name: string
  meteringPoint: string
  address: string
  voltageLevel: string
  utilityAccount?: string | null
}

/**
 * Consumption units from metering points (item 4), from the query or typed by hand. A
 * point that already is a unit of this registration is merged into it rather than added
 * twice (the database's unique index decides, so two tabs cannot add it twice either):
 * the answer names the points merged.
 */
export async function addConsumptionUnits(
  deps: MarketDeps,
  ctx: RequestContext,
  customerId: string,
  inputs: readonly ConsumptionUnitInput[],
): Promise<{ added: string[]; merged: string[] }> {
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const member = await forUnits(trx, customerId, 'consumption')
    const added: string[] = []
    const merged: string[] = []
    for (const input of inputs) {
      const [row] = await trx('market_units')
        .insert({
          tenant_id: ctx.tenant.id,
          member_id: member.id,
          kind: 'consumption',
          name: input.name,
          metering_point: input.meteringPoint,
          utility_account: input.utilityAccount ?? null,
          address: input.address,
          voltage_level: input.voltageLevel,
        })
        .onConflict(trx.raw('(tenant_id, member_id, metering_point) WHERE metering_point IS NOT NULL'))
        .ignore()
        .returning<{ id: string }[]>('id')
      ;(row ? added : merged).push(input.meteringPoint)
    }
    if (added.length)
      await audit(trx, ctx, {
        action: 'market.units-added',
        targetType: MEMBER_OWNER,
        targetId: member.id,
        details: { meteringPoints: added },
      })
    return { added, merged }
  })
}

export interface GeneratingUnitInput {
  name: string
  unitType: string
  capacity: string
  dispatchName: string
  connectedOn: string
}

/** A generating unit added by hand (item 5); its approvals are uploaded on its own page. */
export async function addGeneratingUnit(
  deps: MarketDeps,
  ctx: RequestContext,
  customerId: string,
  input: GeneratingUnitInput,
): Promise<string> {
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const member = await forUnits(trx, customerId, 'generating')
    const [row] = await trx('market_units')
      .insert({
        tenant_id: ctx.tenant.id,
        member_id: member.id,
        kind: 'generating',
        name: input.name,
        unit_type: input.unitType,
        capacity_mw: input.capacity,
        dispatch_name: input.dispatchName,
        connected_on: input.connectedOn,
      })
      .returning<{ id: string }[]>('id')
    await audit(trx, ctx, { action: 'market.unit-added', targetType: UNIT_OWNER, targetId: row!.id })
    return row!.id
  })
}

/** The unit of this applicant's registration, locked for a change. */
async function ownUnit(trx: Knex.Transaction, customerId: string, unitId: string) {
  const unit = await trx('market_units as u')
    .join('market_members as m', function () {
      this.on('m.id', 'u.member_id').andOn('m.tenant_id', 'u.tenant_id')
    })
    .where({ 'u.id': unitId, 'm.customer_id': customerId })
    .first<{ id: string; kind: 'consumption' | 'generating' } | undefined>('u.id', 'u.kind')
  if (!unit) throw new NotFoundError('market unit')
  await forUnits(trx, customerId, unit.kind)
  return unit
}

export async function removeUnit(deps: MarketDeps, ctx: RequestContext, customerId: string, unitId: string) {
  await withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const unit = await ownUnit(trx, customerId, unitId)
    await detachAll(trx, { type: UNIT_OWNER, id: unit.id })
    await trx('market_units').where({ id: unit.id }).del()
    await audit(trx, ctx, { action: 'market.unit-removed', targetType: UNIT_OWNER, targetId: unit.id })
  })
}

/** A generating unit's approvals (PDF, already checked), each under its document kind. */
export async function addUnitDocuments(
  deps: MarketDeps,
  ctx: RequestContext,
  customerId: string,
  unitId: string,
  files: readonly (AcceptedFile & { field: string })[],
): Promise<void> {
  await withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const unit = await ownUnit(trx, customerId, unitId)
    if (unit.kind !== 'generating') throw new NotFoundError('generating unit')
    await attachFiles(trx, deps.files, ctx, { type: UNIT_OWNER, id: unit.id }, files)
  })
}

export async function removeUnitDocument(
  deps: MarketDeps,
  ctx: RequestContext,
  customerId: string,
  unitId: string,
  attachmentId: string,
): Promise<void> {
  await withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const unit = await ownUnit(trx, customerId, unitId)
    if (!(await detachFile(trx, { type: UNIT_OWNER, id: unit.id }, attachmentId)))
      throw new NotFoundError('attachment')
  })
}
