import type { Knex } from 'knex'
import { isUniqueViolation } from '../../db/knex.ts'
import { withTenant } from '../../db/tenant-scope.ts'
import { audit } from '../../platform/audit.ts'
import { systemClock } from '../../platform/clock.ts'
import { listTenants } from '../../platform/tenancy/repo.ts'
import { insertOperator } from './repo.ts'
import { SET_PASSWORD_HOURS, issueSetPasswordLink } from './service.ts'
import type { Outbox } from '../../platform/mail/outbox.ts'

/** No default accounts in production: the first administrator is made here and sets a password by link. */
export async function createFirstAdministrator(
  db: Knex,
  outbox: Outbox,
  input: { slug: string; email: string; name: string },
): Promise<{ link: string } | { error: string }> {
  const tenant = (await listTenants(db)).find((t) => t.slug === input.slug)
  if (!tenant) return { error: `no tenant with slug "${input.slug}"` }
  try {
    return await withTenant(db, tenant.id, async (trx) => {
      const operator = await insertOperator(trx, {
        tenant_id: tenant.id,
        email: input.email,
        name: input.name,
        role: 'admin',
      })
      const link = await issueSetPasswordLink(trx, tenant, operator, systemClock.now())
      // Also emailed (sent by the running app's mail worker), so the link reaches the
      // administrator without passing through whoever ran the command.
      await outbox.enqueue(trx, tenant, {
        to: operator.email,
        template: 'operator-invite',
        locale: tenant.settings.defaultLocale,
        params: { tenant: tenant.settings.name, link, hours: SET_PASSWORD_HOURS },
      })
      await audit(
        trx,
        {
          tenant,
          actor: { type: 'platform', id: null },
          locale: tenant.settings.defaultLocale,
          requestId: 'cli',
          ip: undefined,
        },
        {
          action: 'operator.created-by-cli',
          targetType: 'operator',
          targetId: operator.id,
        },
      )
      return { link }
    })
  } catch (err) {
    if (isUniqueViolation(err, 'operators_email_uq'))
      return { error: `${input.email} is already an operator of ${input.slug}` }
    throw err
  }
}
