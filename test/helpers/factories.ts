import { randomUUID } from 'node:crypto'
import type { Knex } from 'knex'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { insertTenant } from '../../src/platform/tenancy/repo.ts'
import { TenantSettings, type Tenant, type TenantSettingsInput } from '../../src/platform/tenancy/settings.ts'

let counter = 0

/** Inserts a tenant with one host `<slug>.test` (the owner is held to RLS too, hence withTenant). */
export async function createTenant(
  owner: Knex,
  overrides: Partial<TenantSettingsInput> & { slug?: string; hosts?: string[] } = {},
): Promise<Tenant & { host: string }> {
  counter += 1
  const { slug = `t${counter}-${randomUUID().slice(0, 6)}`, hosts, ...settingsOverrides } = overrides
  const id = randomUUID()
  const host = hosts?.[0] ?? `${slug}.test`
  const input: TenantSettingsInput = {
    name: `Tenant ${slug}`,
    defaultLocale: 'en',
    timeZone: 'Europe/Warsaw',
    branding: { primaryColour: '#1d70b8' },
    // Both open to every signed-in customer by default: sign-in lands on the cabinet.
    enabledServices: ['applications', 'readings'],
    supportEmail: `support@${slug}.test`,
    publicBaseUrl: `https://${host}`,
    ...settingsOverrides,
  }
  const settings = TenantSettings.parse(input)
  await withTenant(owner, id, (trx) => insertTenant(trx, { id, slug, settings, hosts: hosts ?? [host] }))
  return { id, slug, settings, host }
}
