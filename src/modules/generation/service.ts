import type { Knex } from 'knex'
import { withTenant } from '../../db/tenant-scope.ts'
import type { Deps } from '../../deps.ts'
import { audit } from '../../platform/audit.ts'
import type { RequestContext } from '../../platform/context.ts'
import { ConflictError, InvalidFieldError, NotFoundError } from '../../platform/errors.ts'
import { isLocale } from '../../platform/i18n/locales.ts'
import { portalLink } from '../../platform/mail/links.ts'
import { deliveryDay, localMoment, type DeliveryDay } from '../../platform/time/intervals.ts'
import { applyTransition, statusHistory } from '../../platform/workflow/index.ts'
import { customerContact } from '../accounts/index.ts'
import { sameValues } from './grid.ts'
import { generationSettings, type GenerationSettings } from './settings.ts'
import { SCHEDULE_WORKFLOW } from './workflow.ts'

export type GenerationDeps = Pick<Deps, 'db' | 'clock' | 'outbox' | 'i18n'>

export const TECHNOLOGIES = ['pv', 'wind', 'hydro', 'chp', 'biogas', 'storage', 'other'] as const
export type Technology = (typeof TECHNOLOGIES)[number]

export interface UnitRow {
  id: string
  /** Null while the unit waits for its PGB enrolment to be redeemed. */
  customer_id: string | null
  enrolment_id: string | null
  code: string
  name: string
  technology: Technology
  capacity_kw: string
  connection_point: string
  active_from: string
  active_to: string | null
}

export interface ScheduleRow {
  id: string
  unit_id: string
  day: string
  status: string
  version: number
  draft: (number | null)[] | null
  draft_saved_at: Date | null
}

export interface VersionRow {
  id: string
  schedule_id: string
  version: number
  status: string
  resolution: number
  first_start: Date
  values: number[]
  total: number
  created_at: Date
}

const VERSION_COLUMNS = [
  'id',
  'schedule_id',
  'version',
  'status',
  'resolution',
  'first_start',
  'values',
  'total',
  'created_at',
]

/** The delivery day as the tenant cuts it (zone, resolution). */
export const dayOfTenant = (ctx: RequestContext, day: string): DeliveryDay =>
  deliveryDay(day, ctx.tenant.settings.timeZone, generationSettings.of(ctx.tenant).resolution)

/** When a day's schedule closes for customers: "D-<gateDays> at <gateTime>" in the tenant's zone. */
export function gateOf(ctx: RequestContext, day: string): Date {
  const s: GenerationSettings = generationSettings.of(ctx.tenant)
  return localMoment(day, -s.gateDays, s.gateTime, ctx.tenant.settings.timeZone)
}

// ---- units -----------------------------------------------------------------------------

export interface UnitInput {
  /** The owner, or — while their token is not redeemed yet — their pending PGB enrolment. */
  owner: { customerId: string } | { enrolmentId: string }
  code: string
  name: string
  technology: Technology
  capacityKw: number
  connectionPoint: string
  activeFrom: string
  activeTo: string | null
}

const unitColumns = (input: UnitInput) => ({
  customer_id: 'customerId' in input.owner ? input.owner.customerId : null,
  enrolment_id: 'enrolmentId' in input.owner ? input.owner.enrolmentId : null,
  code: input.code,
  name: input.name,
  technology: input.technology,
  capacity_kw: input.capacityKw,
  connection_point: input.connectionPoint,
  active_from: input.activeFrom,
  active_to: input.activeTo,
})

export async function saveUnit(
  deps: GenerationDeps,
  ctx: RequestContext,
  id: string | null,
  input: UnitInput,
): Promise<string> {
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    if ('customerId' in input.owner && !(await customerContact(trx, input.owner.customerId)))
      throw new InvalidFieldError('customerEmail', 'generation.errors.customer')
    const taken = await trx('generating_units')
      .where({ code: input.code })
      .modify((q) => void (id ? q.whereNot({ id }) : q))
      .first<{ id: string } | undefined>('id')
    if (taken) throw new InvalidFieldError('code', 'generation.errors.codeTaken')
    let unitId: string
    if (id) {
      const updated = await trx('generating_units').where({ id }).update(unitColumns(input))
      if (!updated) throw new NotFoundError('unit')
      unitId = id
    } else {
      const [row] = await trx('generating_units')
        .insert({ tenant_id: ctx.tenant.id, ...unitColumns(input) })
        .returning<{ id: string }[]>('id')
      unitId = row!.id
    }
    await audit(trx, ctx, {
      action: id ? 'generation.unit-updated' : 'generation.unit-created',
      targetType: 'generating-unit',
      targetId: unitId,
      details: { code: input.code, capacityKw: input.capacityKw },
    })
    return unitId
  })
}

/**
 * Units added for a PGB enrolment become their customer's once the token is redeemed
 * (the enrolment then names who used it). Run before units are read by owner.
 */
export async function claimRedeemedUnits(trx: Knex.Transaction): Promise<void> {
  await trx.raw(
    `UPDATE generating_units g SET customer_id = e.used_by
     FROM enrolments e
     WHERE g.customer_id IS NULL AND e.tenant_id = g.tenant_id AND e.id = g.enrolment_id AND e.used_by IS NOT NULL`,
  )
}

export function unitsOf(deps: GenerationDeps, ctx: RequestContext, customerId: string): Promise<UnitRow[]> {
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    await claimRedeemedUnits(trx)
    return trx('generating_units').where({ customer_id: customerId }).orderBy('code').select<UnitRow[]>()
  })
}

export async function unitOf(
  deps: GenerationDeps,
  ctx: RequestContext,
  id: string,
  customerId?: string,
): Promise<UnitRow> {
  const unit = await withTenant(deps.db, ctx.tenant.id, async (trx) => {
    if (customerId) await claimRedeemedUnits(trx)
    return trx('generating_units')
      .where({ id })
      .modify((q) => void (customerId ? q.where({ customer_id: customerId }) : q))
      .first<UnitRow | undefined>()
  })
  if (!unit) throw new NotFoundError('unit')
  return unit
}

export const isActiveOn = (unit: Pick<UnitRow, 'active_from' | 'active_to'>, day: string): boolean =>
  unit.active_from <= day && (!unit.active_to || day <= unit.active_to)

// ---- schedules -------------------------------------------------------------------------

export interface ScheduleView {
  schedule: ScheduleRow | undefined
  latest: VersionRow | undefined
  versions: VersionRow[]
}

export async function scheduleOf(
  deps: GenerationDeps,
  ctx: RequestContext,
  unitId: string,
  day: string,
): Promise<ScheduleView> {
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const schedule = await trx('schedules').where({ unit_id: unitId, day }).first<ScheduleRow | undefined>()
    const versions = schedule
      ? await trx('schedule_versions')
          .where({ schedule_id: schedule.id })
          .orderBy('version', 'desc')
          .select<VersionRow[]>(VERSION_COLUMNS)
      : []
    return { schedule, latest: versions[0], versions }
  })
}

/** The schedule row of a unit's day, created (as a draft) on first use and locked for this transaction. */
async function lockSchedule(
  trx: Knex.Transaction,
  ctx: RequestContext,
  unitId: string,
  day: string,
): Promise<ScheduleRow> {
  await trx('schedules')
    .insert({ tenant_id: ctx.tenant.id, unit_id: unitId, day, status: 'draft' })
    .onConflict(['tenant_id', 'unit_id', 'day'])
    .ignore()
  return trx('schedules').where({ unit_id: unitId, day }).forUpdate().first<ScheduleRow>()
}

function requireOpen(deps: GenerationDeps, ctx: RequestContext, day: string): void {
  if (deps.clock.now() >= gateOf(ctx, day)) throw new ConflictError('gate closed')
}

/** A customer's half-done day, kept as a draft (empty intervals allowed). */
export async function saveDraft(
  deps: GenerationDeps,
  ctx: RequestContext,
  unit: UnitRow,
  day: string,
  values: (number | null)[],
): Promise<void> {
  requireOpen(deps, ctx, day)
  await withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const schedule = await lockSchedule(trx, ctx, unit.id, day)
    await trx('schedules')
      .where({ id: schedule.id })
      .update({ draft: values, draft_saved_at: deps.clock.now(), updated_at: deps.clock.now() })
  })
}

/**
 * The customer approves a day ("zatwierdzenie"): a new version, submitted to the
 * operator; the version before it is superseded. `base` is the version the customer's
 * form showed: a newer one means the form is stale. An unchanged day makes nothing.
 */
export async function approveSchedule(
  deps: GenerationDeps,
  ctx: RequestContext,
  unit: UnitRow,
  day: string,
  values: number[],
  base: number,
): Promise<{ version: number; changed: boolean }> {
  requireOpen(deps, ctx, day)
  const settings = generationSettings.of(ctx.tenant)
  const delivery = dayOfTenant(ctx, day)
  if (values.length !== delivery.intervals.length) throw new ConflictError('interval count changed')
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const schedule = await lockSchedule(trx, ctx, unit.id, day)
    if (schedule.version !== base) throw new ConflictError(`schedule is at version ${schedule.version}`)
    const latest = schedule.version
      ? await trx('schedule_versions')
          .where({ schedule_id: schedule.id, version: schedule.version })
          .first<VersionRow>(VERSION_COLUMNS)
      : undefined
    if (latest && latest.status !== 'rejected' && sameValues(latest.values, values, settings)) {
      await trx('schedules').where({ id: schedule.id }).update({ draft: null, draft_saved_at: null })
      return { version: latest.version, changed: false }
    }
    const subject = (id: string) => ({ table: 'schedule_versions', type: 'schedule-version', id })
    if (latest)
      await applyTransition(trx, ctx, SCHEDULE_WORKFLOW, subject(latest.id), {
        to: 'superseded',
        expected: latest.status,
        role: 'customer',
      })
    const version = schedule.version + 1
    const [created] = await trx('schedule_versions')
      .insert({
        tenant_id: ctx.tenant.id,
        schedule_id: schedule.id,
        version,
        status: 'draft',
        resolution: settings.resolution,
        first_start: delivery.start,
        values,
        total: values.reduce((a, b) => a + b, 0),
        created_by: ctx.actor.type === 'customer' ? ctx.actor.id : null,
      })
      .returning<{ id: string }[]>('id')
    await applyTransition(trx, ctx, SCHEDULE_WORKFLOW, subject(created!.id), {
      to: 'submitted',
      expected: 'draft',
      role: 'customer',
    })
    await trx('schedules').where({ id: schedule.id }).update({
      status: 'submitted',
      version,
      draft: null,
      draft_saved_at: null,
      updated_at: deps.clock.now(),
    })
    return { version, changed: true }
  })
}

/** The operator accepts or rejects (with a reason, emailed) the newest version of a day. */
export async function decideSchedule(
  deps: GenerationDeps,
  ctx: RequestContext,
  role: 'operator' | 'admin',
  scheduleId: string,
  version: number,
  to: 'accepted' | 'rejected',
  comment: string,
): Promise<void> {
  await withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const schedule = await trx('schedules')
      .where({ id: scheduleId })
      .forUpdate()
      .first<ScheduleRow | undefined>()
    if (!schedule) throw new NotFoundError('schedule')
    if (schedule.version !== version) throw new ConflictError('a newer version exists')
    const current = await trx('schedule_versions')
      .where({ schedule_id: scheduleId, version })
      .first<VersionRow | undefined>(VERSION_COLUMNS)
    if (!current) throw new NotFoundError('schedule version')
    const unit = await trx('generating_units').where({ id: schedule.unit_id }).first<UnitRow>()
    await applyTransition(
      trx,
      ctx,
      SCHEDULE_WORKFLOW,
      { table: 'schedule_versions', type: 'schedule-version', id: current.id },
      {
        to,
        expected: 'submitted',
        role,
        comment,
        notify: async (t) => {
          const contact = unit.customer_id ? await customerContact(t, unit.customer_id) : undefined
          if (!contact) return
          const locale = isLocale(contact.locale) ? contact.locale : ctx.locale
          const fmt = new Intl.DateTimeFormat(locale === 'en' ? 'en-GB' : locale, {
            dateStyle: 'long',
            timeZone: 'UTC',
          })
          await deps.outbox.enqueue(t, ctx.tenant, {
            to: contact.email,
            template: `generation.mail.${to}`,
            locale,
            params: {
              tenant: ctx.tenant.settings.name,
              unit: `${unit.code} ${unit.name}`,
              day: fmt.format(new Date(`${schedule.day}T00:00:00Z`)),
              version,
              comment: comment.trim(),
              link: portalLink(ctx, `/services/pgb/units/${unit.id}/days/${schedule.day}`),
            },
          })
        },
      },
    )
    await trx('schedules').where({ id: scheduleId }).update({ status: to, updated_at: deps.clock.now() })
  })
}

/** Who did what to a schedule's versions, oldest first (the version page's history). */
export async function versionHistory(
  deps: GenerationDeps,
  ctx: RequestContext,
  versions: readonly VersionRow[],
) {
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const out = new Map<string, Awaited<ReturnType<typeof statusHistory>>>()
    for (const v of versions) out.set(v.id, await statusHistory(trx, { type: 'schedule-version', id: v.id }))
    return out
  })
}

/** Every version of every day of a unit, newest day first (the unit's history). */
export function unitHistory(deps: GenerationDeps, ctx: RequestContext, unitId: string) {
  return withTenant(deps.db, ctx.tenant.id, (trx) =>
    trx('schedule_versions as v')
      .join('schedules as s', function () {
        this.on('s.id', 'v.schedule_id').andOn('s.tenant_id', 'v.tenant_id')
      })
      .where('s.unit_id', unitId)
      .orderBy([
        { column: 's.day', order: 'desc' },
        { column: 'v.version', order: 'desc' },
      ])
      .select<
        {
          day: string
          version: number
          status: string
          total: number
          resolution: number
          created_at: Date
        }[]
      >('s.day', 'v.version', 'v.status', 'v.total', 'v.resolution', 'v.created_at'),
  )
}
