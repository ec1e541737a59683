import type { Knex } from 'knex'
import { withTenant } from '../../db/tenant-scope.ts'
import type { DemoTenantRef } from '../../module.ts'
import { demoLogins } from '../../platform/demo.ts'
import { hashPassword } from '../../platform/passwords.ts'
import { findCustomerByEmail, insertCustomer } from './repo.ts'

/** The demo customer of each region of DOMAIN.md: a company, as most of the flows expect. */
const DEMO_CUSTOMER_NAMES: Record<string, string> = {
  pl: 'Farma Wiatrowa Bałtyk Sp. z o.o.',
  ru: 'ООО «Солнечный двор»',
  cn: '湖北清江发电有限公司',
}

/** One active demo customer per demo tenant, added when missing, never overwritten. */
export async function seedAccountsDemo(owner: Knex, tenant: DemoTenantRef): Promise<void> {
  const login = demoLogins(tenant.slug)
  await withTenant(owner, tenant.id, async (trx) => {
    if (await findCustomerByEmail(trx, login.customerEmail)) return
    const now = new Date()
    await insertCustomer(trx, {
      tenant_id: tenant.id,
      email: login.customerEmail,
      login_name: tenant.settings.registration.loginName ? `Demo${tenant.slug}` : null,
      status: 'active',
      password_hash: await hashPassword(login.customerPassword),
      category: 'legal',
      organisation_name: DEMO_CUSTOMER_NAMES[tenant.slug] ?? null,
      preferred_locale: tenant.settings.defaultLocale,
      created_at: now,
      confirmed_at: now,
    })
  })
}
