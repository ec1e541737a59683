import { withTenant } from '../../db/tenant-scope.ts'
import { addBusinessDays } from '../../platform/calendar/index.ts'
import { systemContext } from '../../platform/context.ts'
import { forEachActiveTenant } from '../../platform/tenancy/repo.ts'
import type { Tenant } from '../../platform/tenancy/settings.ts'
import { dayOf } from '../../platform/time/intervals.ts'
import { emailCustomer } from '../accounts/index.ts'
import { tenantCalendar } from '../calendar/index.ts'
import type { ApplicationsDeps } from './service.ts'

/** Working days before a request to complete runs out when the customer is reminded. */
export const REMIND_DAYS_BEFORE = 2

/**
 * Reminds each customer once that a returned application should be sent again by its
 * day, when that day is REMIND_DAYS_BEFORE working days away or nearer (and not past).
 * Rows are taken under lock and marked in the same transaction as the email (outbox),
 * so two workers never remind twice.
 */
export async function remindToComplete(deps: ApplicationsDeps, tenant: Tenant): Promise<number> {
  const ctx = systemContext(tenant, 'complete-reminders')
  const calendar = await tenantCalendar(deps, ctx)
  const today = dayOf(deps.clock.now(), tenant.settings.timeZone)
  const horizon = addBusinessDays(calendar, today, REMIND_DAYS_BEFORE)
  return withTenant(deps.db, tenant.id, async (trx) => {
    const due = await trx('applications')
      .where({ status: 'returned' })
      .whereNull('complete_reminded_at')
      .whereBetween('complete_by', [today, horizon])
      .forUpdate()
      .skipLocked()
      .select<{ id: string; number: string; customer_id: string; complete_by: string }[]>(
        'id',
        'number',
        'customer_id',
        'complete_by',
      )
    for (const row of due) {
      await emailCustomer(trx, deps, ctx, row.customer_id, 'applications.mail.completeReminder', (m) => ({
        number: row.number,
        date: m.fmt.date(row.complete_by),
        link: m.link(`/services/applications/${row.id}/edit`),
      }))
      await trx('applications').where({ id: row.id }).update({ complete_reminded_at: deps.clock.now() })
    }
    return due.length
  })
}

export function remindToCompleteForAllTenants(deps: ApplicationsDeps): Promise<number> {
  return forEachActiveTenant(deps.db, (tenant) => remindToComplete(deps, tenant))
}
