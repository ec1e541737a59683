import type { Knex } from 'knex'
import { withTenant } from '../../db/tenant-scope.ts'
import type { DemoTenantRef } from '../../module.ts'
import { demoLogins } from '../../platform/demo.ts'
import { hashPassword } from '../../platform/passwords.ts'
import type { Permission } from '../../platform/representation.ts'
import { createActivePerson, findCustomerByEmail } from '../accounts/index.ts'

const COLLEAGUE_NAMES: Record<string, [string, string]> = {
  pl: ['Anna', 'Nowak'],
  ru: ['Анна', 'Смирнова'],
  cn: ['王', '芳'],
}

/** What the demo colleague may do for the demo company: follow applications and talk, see schedules. */
const DEMO_GRANT: Permission[] = ['applications:view', 'applications:chat', 'pgb:view']

export const demoColleagueEmail = (slug: string) => `colleague@${slug}.kabinet.test`

/**
 * A colleague of the demo company in each demo tenant, with her own login, who acts for
 * the company with a colleague's rights (the switcher and the narrower cabinet can be walked).
 */
export async function seedOrganisationsDemo(owner: Knex, tenant: DemoTenantRef): Promise<string[]> {
  const login = demoLogins(tenant.slug)
  const email = demoColleagueEmail(tenant.slug)
  const [first, last] = COLLEAGUE_NAMES[tenant.slug] ?? ['Anna', 'Demo']
  await withTenant(owner, tenant.id, async (trx) => {
    const company = await findCustomerByEmail(trx, login.customerEmail)
    if (!company || (await findCustomerByEmail(trx, email))) return
    const now = new Date()
    const person = await createActivePerson(trx, {
      tenant_id: tenant.id,
      email,
      password_hash: await hashPassword(login.customerPassword),
      first_name: first,
      last_name: last,
      preferred_locale: tenant.settings.defaultLocale,
      now,
    })
    await trx('account_members').insert({
      tenant_id: tenant.id,
      account_id: company.id,
      person_id: person.id,
      role: 'colleague',
      permissions: DEMO_GRANT,
      added_by: company.id,
      created_at: now,
    })
  })
  return [
    `Colleague: ${email} / ${login.customerPassword} (acts for the demo company: applications and chat, PGB to view)`,
  ]
}
