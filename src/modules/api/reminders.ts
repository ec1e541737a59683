import { withTenant } from '../../db/tenant-scope.ts'
import type { Deps } from '../../deps.ts'
import { systemContext } from '../../platform/context.ts'
import { mailTo } from '../../platform/mail/links.ts'
import { forEachActiveTenant } from '../../platform/tenancy/repo.ts'
import type { Tenant } from '../../platform/tenancy/settings.ts'
import { dayOf } from '../../platform/time/intervals.ts'
import { customerContact } from '../accounts/index.ts'

export const TOKEN_REMINDER_QUEUE = 'api.token-reminders'
export const TOKEN_REMINDER_CRON = '17 * * * *'
/** Days before a token's expiry when its creator is told (the 14 and 3). */
export const REMIND_DAYS = [14, 3] as const

type ReminderDeps = Pick<Deps, 'db' | 'clock' | 'outbox' | 'i18n'>

/**
 * One tenant's reminders: each active token within 14 (then 3) days of its expiry, not yet
 * reminded for that mark, gets one email to the person who made it, in their language,
 * however often the job runs (the mark is claimed in the same statement that finds it).
 */
export async function remindTokens(deps: ReminderDeps, tenant: Tenant): Promise<number> {
  const ctx = systemContext(tenant, 'api-token-reminders')
  const now = deps.clock.now()
  let sent = 0
  await withTenant(deps.db, tenant.id, async (trx) => {
    // The nearer mark first: a token already inside it is marked for the farther one too.
    for (const days of [...REMIND_DAYS].sort((x, y) => x - y)) {
      const due = await trx('api_tokens')
        .whereNull('revoked_at')
        .where('expires_at', '>', now)
        .where('expires_at', '<=', new Date(now.getTime() + days * 86_400_000))
        .whereRaw('NOT (? = ANY(reminded))', [days])
        .update({ reminded: trx.raw('reminded || ?::smallint[]', [REMIND_DAYS.filter((d) => d >= days)]) })
        .returning<{ created_by: string; name: string; prefix: string; expires_at: Date }[]>([
          'created_by',
          'name',
          'prefix',
          'expires_at',
        ])
      for (const token of due) {
        const person = await customerContact(trx, token.created_by)
        if (!person) continue
        const lastDay = dayOf(new Date(token.expires_at.getTime() - 1), tenant.settings.timeZone)
        await mailTo(trx, deps, ctx, person, 'api.mail.expiring', (m) => ({
          name: token.name,
          prefix: `kb_${token.prefix}_…`,
          date: m.fmt.date(lastDay),
          link: m.link('/account/api-tokens'),
        }))
        sent += 1
      }
    }
  })
  return sent
}

export function remindAllTokens(deps: ReminderDeps): Promise<number> {
  return forEachActiveTenant(deps.db, (tenant) => remindTokens(deps, tenant))
}
