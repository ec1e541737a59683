import { withTenant } from '../../db/tenant-scope.ts'
import { systemContext } from '../../platform/context.ts'
import { forEachActiveTenant } from '../../platform/tenancy/repo.ts'
import type { Tenant } from '../../platform/tenancy/settings.ts'
import { addDays, dayOf } from '../../platform/time/intervals.ts'
import { emailCustomer } from '../accounts/index.ts'
import { gateOf, type GenerationDeps } from './service.ts'
import { generationSettings } from './settings.ts'

export const REMINDER_QUEUE = 'generation.reminders'
/** Often enough that "three hours before the gate" is kept to within a quarter of an hour in every zone. */
export const REMINDER_CRON = '*/15 * * * *'

/**
 * One tenant's reminders, evaluated in its own zone: once the reminder window before
 * tomorrow's gate closure opens, each customer whose active units lack a submitted or
 * accepted schedule for tomorrow gets one email listing them — once per day, however
 * often the job runs.
 */
export async function remindTenant(deps: GenerationDeps, tenant: Tenant): Promise<number> {
  if (!(tenant.settings.enabledServices as readonly string[]).includes('pgb')) return 0
  const ctx = systemContext(tenant, 'schedule-reminders')
  const now = deps.clock.now()
  const settings = generationSettings.of(tenant)
  // The next delivery day whose gate is still ahead: tomorrow for "D-1 at 14:00" before 14:00.
  let day = addDays(dayOf(now, tenant.settings.timeZone), 1)
  while (gateOf(ctx, day) <= now) day = addDays(day, 1)
  const gate = gateOf(ctx, day)
  if (gate.getTime() - now.getTime() > settings.reminderHours * 3_600_000) return 0
  let sent = 0
  await withTenant(deps.db, tenant.id, async (trx) => {
    const missing = await trx('generating_units as g')
      .leftJoin('schedules as s', function () {
        this.on('s.unit_id', 'g.id')
          .andOn('s.tenant_id', 'g.tenant_id')
          .andOn('s.day', trx.raw('?::date', [day]))
      })
      .whereNotNull('g.customer_id')
      .where('g.active_from', '<=', day)
      .where((w) => void w.whereNull('g.active_to').orWhere('g.active_to', '>=', day))
      .where((w) => void w.whereNull('s.id').orWhereNotIn('s.status', ['submitted', 'accepted']))
      .orderBy('g.code')
      .select<{ customer_id: string; code: string; name: string }[]>('g.customer_id', 'g.code', 'g.name')
    const byCustomer = new Map<string, string[]>()
    for (const u of missing)
      byCustomer.set(u.customer_id, [...(byCustomer.get(u.customer_id) ?? []), `${u.code} ${u.name}`])
    for (const [customerId, units] of byCustomer) {
      const claimed = await trx('schedule_reminders')
        .insert({ tenant_id: tenant.id, customer_id: customerId, day })
        .onConflict(['tenant_id', 'customer_id', 'day'])
        .ignore()
        .returning('id')
      if (!claimed.length) continue
      const mailed = await emailCustomer(trx, deps, ctx, customerId, 'generation.mail.reminder', (m) => ({
        day: m.fmt.date(day),
        gate: m.fmt.dateTime(gate),
        units: units.join('\n'),
        link: m.link('/services/pgb'),
      }))
      if (mailed) sent += 1
    }
  })
  return sent
}

export function remindAllTenants(deps: GenerationDeps): Promise<number> {
  return forEachActiveTenant(deps.db, (tenant) => remindTenant(deps, tenant))
}
