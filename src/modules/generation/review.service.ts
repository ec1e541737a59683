import { withTenant } from '../../db/tenant-scope.ts'
import { staffRole, type RequestContext } from '../../platform/context.ts'
import { ConflictError, InvalidFieldError, NotFoundError } from '../../platform/errors.ts'
import { MULTI_LINE, CONTROL_CHARACTERS } from '../../platform/text.ts'
import { applyTransition, statusHistory } from '../../platform/workflow/index.ts'
import { emailCustomer } from '../accounts/index.ts'
import { declarationsIn } from './availability.service.ts'
import { versionIntervals } from './editor.ts'
import { deliveryDay, type Resolution } from '../../platform/time/intervals.ts'
import { VERSION_COLUMNS, type GenerationDeps, type ScheduleRow, type VersionRow } from './service.ts'
import type { UnitRow } from './units.service.ts'
import { SCHEDULE_WORKFLOW } from './workflow.ts'

/** The longest comment on one interval. */
export const MAX_INTERVAL_COMMENT = 500

/** A day's newest version, for staff to review value by value: unit, values, history. */
export async function scheduleReview(deps: GenerationDeps, ctx: RequestContext, scheduleId: string) {
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const schedule = await trx('schedules').where({ id: scheduleId }).first<ScheduleRow | undefined>()
    if (!schedule?.version) throw new NotFoundError('schedule')
    const version = await trx('schedule_versions')
      .where({ schedule_id: scheduleId, version: schedule.version })
      .first<VersionRow>(VERSION_COLUMNS)
    const unit = await trx('generating_units').where({ id: schedule.unit_id }).first<UnitRow>()
    const history = await statusHistory(trx, { type: 'schedule-version', id: version.id })
    const delivery = deliveryDay(schedule.day, ctx.tenant.settings.timeZone, version.resolution as Resolution)
    return {
      declarations: await declarationsIn(trx, unit.id, delivery.start, delivery.end),
      schedule,
      unit,
      version,
      history,
      intervals: versionIntervals(ctx.tenant.settings.timeZone, schedule.day, version.resolution),
    }
  })
}

/**
 * Comments on single intervals, as typed (`note-<position>` fields): blank ones dropped,
 * each checked beside its field. Positions outside the version are not the form's.
 */
function intervalComments(notes: Record<number, string>, count: number): Record<string, string> | null {
  const kept: Record<string, string> = {}
  for (const [key, raw] of Object.entries(notes)) {
    const position = Number(key)
    if (!Number.isInteger(position) || position < 1 || position > count) throw new NotFoundError('interval')
    const text = raw.trim()
    if (!text) continue
    if (!MULTI_LINE.test(text)) throw new InvalidFieldError(`note-${position}`, CONTROL_CHARACTERS)
    if (text.length > MAX_INTERVAL_COMMENT)
      throw new InvalidFieldError(`note-${position}`, 'generation.review.noteTooLong')
    kept[String(position)] = text
  }
  return Object.keys(kept).length ? kept : null
}

/**
 * The operator accepts or rejects (with a reason, emailed) the newest version of a day.
 * A rejection may comment on single intervals; they are kept with the version, shown to
 * the customer beside those intervals and listed in the email.
 */
export async function decideSchedule(
  deps: GenerationDeps,
  ctx: RequestContext,
  scheduleId: string,
  decision: {
    version: number
    to: 'accepted' | 'rejected'
    comment: string
    notes?: Record<number, string>
  },
): Promise<void> {
  const { version, to, comment } = decision
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
    const notes = to === 'rejected' ? intervalComments(decision.notes ?? {}, current.values.length) : null
    const unit = await trx('generating_units').where({ id: schedule.unit_id }).first<UnitRow>()
    await applyTransition(
      trx,
      ctx,
      SCHEDULE_WORKFLOW,
      { table: 'schedule_versions', type: 'schedule-version', id: current.id },
      {
        to,
        expected: 'submitted',
        role: staffRole(ctx),
        comment,
        notify: async (t) => {
          if (!unit.customer_id) return
          const labels = versionIntervals(ctx.tenant.settings.timeZone, schedule.day, current.resolution)
          await emailCustomer(t, deps, ctx, unit.customer_id, `generation.mail.${to}`, (m) => ({
            unit: `${unit.code} ${unit.name}`,
            day: m.fmt.date(schedule.day),
            version,
            comment: [
              comment.trim(),
              ...(notes
                ? [
                    [
                      m.t('generation.mail.intervalComments'),
                      ...Object.entries(notes).map(([p, text]) => `${labels[Number(p) - 1]!.label}: ${text}`),
                    ].join('\n'),
                  ]
                : []),
            ].join('\n\n'),
            link: m.link(`/services/pgb/units/${unit.id}/days/${schedule.day}`),
          }))
        },
      },
    )
    if (notes) await trx('schedule_versions').where({ id: current.id }).update({ interval_comments: notes })
    await trx('schedules').where({ id: scheduleId }).update({ status: to, updated_at: deps.clock.now() })
    if (unit.customer_id)
      await deps.events.emit(trx, ctx, 'account.changed', {
        accountId: unit.customer_id,
        type: 'schedule.decided',
        data: { unit: unit.id, day: schedule.day, version, status: to, comment: comment.trim() || null },
      })
  })
}
