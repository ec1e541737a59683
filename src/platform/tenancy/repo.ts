import type { Db } from '../../db/knex.ts'
import { TenantSettings, type Tenant, type TenantSettingsInput } from './settings.ts'

interface TenantRow {
  id: string
  slug: string
  settings: unknown
  disabled_at: Date | null
}

function toTenant(row: TenantRow): Tenant {
  return {
    id: row.id,
    slug: row.slug,
    settings: TenantSettings.parse(row.settings),
    disabled: row.disabled_at !== null,
  }
}

export async function findTenantByHost(db: Db, host: string): Promise<Tenant | undefined> {
  const row = await db('tenants')
    .join('tenant_domains', 'tenant_domains.tenant_id', 'tenants.id')
    .where('tenant_domains.host', host.toLowerCase())
    .first<TenantRow | undefined>('tenants.id', 'tenants.slug', 'tenants.settings', 'tenants.disabled_at')
  return row ? toTenant(row) : undefined
}

export async function findTenantById(db: Db, id: string): Promise<Tenant | undefined> {
  const row = await db('tenants')
    .where({ id })
    .first<TenantRow | undefined>('id', 'slug', 'settings', 'disabled_at')
  return row ? toTenant(row) : undefined
}

export async function listTenants(db: Db): Promise<(Tenant & { hosts: string[] })[]> {
  const rows = await db('tenants')
    .leftJoin('tenant_domains', 'tenant_domains.tenant_id', 'tenants.id')
    .groupBy('tenants.id')
    .orderBy('tenants.slug')
    .select<(TenantRow & { hosts: (string | null)[] })[]>(
      'tenants.id',
      'tenants.slug',
      'tenants.settings',
      'tenants.disabled_at',
      db.raw('array_agg(tenant_domains.host) as hosts'),
    )
  return rows.map((r) => ({ ...toTenant(r), hosts: r.hosts.filter((h): h is string => h !== null) }))
}

/**
 * Runs a job's work for each tenant the platform has not disabled (a disabled tenant's
 * customers get no reminders or notices), one after another; the sum of what each did.
 */
export async function forEachActiveTenant(
  db: Db,
  work: (tenant: Tenant) => Promise<number>,
): Promise<number> {
  let done = 0
  for (const tenant of await listTenants(db)) if (!tenant.disabled) done += await work(tenant)
  return done
}

export async function insertTenant(
  db: Db,
  tenant: { id: string; slug: string; settings: TenantSettingsInput; hosts: string[] },
): Promise<void> {
  await db('tenants').insert({
    id: tenant.id,
    slug: tenant.slug,
    settings: TenantSettings.parse(tenant.settings),
  })
  if (tenant.hosts.length > 0) {
    await db('tenant_domains').insert(
      tenant.hosts.map((host) => ({ tenant_id: tenant.id, host: host.toLowerCase() })),
    )
  }
}

export async function tenantExists(db: Db, slug: string): Promise<boolean> {
  return Boolean(await db('tenants').where({ slug }).first('id'))
}

export async function updateTenantSettings(
  db: Db,
  id: string,
  settings: Tenant['settings'],
  now: Date,
): Promise<void> {
  await db('tenants').where({ id }).update({ settings, updated_at: now })
}
