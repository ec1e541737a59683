import type { Knex } from 'knex'
import { withTenant } from '../../db/tenant-scope.ts'
import type { DemoTenantRef } from '../../module.ts'
import { demoLogins } from '../../platform/demo.ts'
import { hashPassword } from '../../platform/passwords.ts'
import { findOperatorByEmail, insertOperator, updateOperator, type OperatorsHeard } from './repo.ts'

/** A seed tells no process itself: the `operators_row_changed` trigger tells any that keeps the row. */
const SEEDING: OperatorsHeard = { reference: { changed: () => {}, changedOnCommit: () => {} } }

/**
 * One demo administrator per demo tenant, with TOTP already set up (the banner prints the
 * secret): added when missing; an older one without TOTP gains it.
 */
export async function seedOperatorsDemo(owner: Knex, tenant: DemoTenantRef): Promise<void> {
  const login = demoLogins(tenant.slug)
  await withTenant(owner, tenant.id, async (trx) => {
    const existing = await findOperatorByEmail(trx, login.adminEmail)
    if (existing?.totp_secret) return
    const id =
      existing?.id ??
      (
        await insertOperator(trx, {
          tenant_id: tenant.id,
          email: login.adminEmail,
          name: 'Demo Administrator',
          role: 'admin',
        })
      ).id
    await updateOperator(SEEDING, trx, id, {
      ...(existing ? {} : { password_hash: await hashPassword(login.adminPassword) }),
      totp_secret: login.adminTotpSecret,
      totp_enabled_at: new Date(),
    })
  })
}
