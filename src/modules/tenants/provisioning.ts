import { randomUUID } from 'node:crypto'
import type { Knex } from 'knex'
import { z } from 'zod'
import { notify } from '../../db/listener.ts'
import { withTenant } from '../../db/tenant-scope.ts'
import { audit } from '../../platform/audit.ts'
import type { RequestContext } from '../../platform/context.ts'
import type { TFunction } from '../../platform/i18n/index.ts'
import { TENANT_CHANGED } from '../../platform/tenancy/directory.ts'
import { insertTenant, listTenants } from '../../platform/tenancy/repo.ts'
import { TenantSettings, type Tenant, type TenantSettingsInput } from '../../platform/tenancy/settings.ts'

/**
 * Provisioning: the one place tenants and their hosts are created, changed and disabled
 * (the `npm run tenant` CLI). Values go through the settings page's own schema; every
 * change is in the tenant's audit log with the actor "platform".
 */

export const Slug = z.string().regex(/^[a-z0-9][a-z0-9-]{1,31}$/, 'slug: 2–32 lowercase letters, digits or -')
export const Host = z
  .string()
  .trim()
  .toLowerCase()
  .regex(
    /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/,
    'host: a host name such as portal.example.com, without scheme or port',
  )

export type Outcome<T> = { ok: true; value: T } | { ok: false; errors: string[] }

const platformContext = (tenant: Tenant): RequestContext => ({
  tenant,
  actor: { type: 'platform', id: null },
  locale: tenant.settings.defaultLocale,
  requestId: 'cli',
  ip: undefined,
})

async function bySlug(db: Knex, slug: string): Promise<(Tenant & { hosts: string[] }) | undefined> {
  return (await listTenants(db)).find((t) => t.slug === slug)
}

/** Settings errors as one line each, in English (the operator's console). */
function settingsErrors(error: z.ZodError, t: TFunction): string[] {
  return error.issues.map((issue) => {
    const field = issue.path.map(String).join('.') || 'settings'
    return `${field}: ${issue.message.includes('.') ? t(issue.message) : issue.message}`
  })
}

export async function createTenant(
  db: Knex,
  t: TFunction,
  input: { slug: string; settings: TenantSettingsInput; hosts: string[] },
): Promise<Outcome<Tenant>> {
  const errors: string[] = []
  const slug = Slug.safeParse(input.slug)
  if (!slug.success) errors.push(slug.error.issues[0]!.message)
  const settings = TenantSettings.safeParse(input.settings)
  if (!settings.success) errors.push(...settingsErrors(settings.error, t))
  const hosts = input.hosts.map((h) => Host.safeParse(h))
  for (const h of hosts) if (!h.success) errors.push(h.error.issues[0]!.message)
  if (errors.length || !slug.success || !settings.success) return { ok: false, errors }
  if (await bySlug(db, slug.data))
    return { ok: false, errors: [`slug: a tenant "${slug.data}" already exists`] }
  const taken = await db('tenant_domains')
    .whereIn(
      'host',
      hosts.map((h) => h.data!),
    )
    .pluck('host')
  if (taken.length)
    return { ok: false, errors: taken.map((h: string) => `host: ${h} already names a tenant`) }
  const tenant: Tenant = { id: randomUUID(), slug: slug.data, settings: settings.data }
  await withTenant(db, tenant.id, async (trx) => {
    await insertTenant(trx, { ...tenant, hosts: hosts.map((h) => h.data!) })
    await audit(trx, platformContext(tenant), {
      action: 'tenant.created',
      targetType: 'tenant',
      targetId: tenant.id,
      details: { hosts: hosts.map((h) => h.data!) },
    })
  })
  return { ok: true, value: tenant }
}

/** Adding a host the tenant already has is not an error; a host of another tenant is. */
export async function addHost(db: Knex, slug: string, host: string): Promise<Outcome<'added' | 'unchanged'>> {
  const parsed = Host.safeParse(host)
  if (!parsed.success) return { ok: false, errors: [parsed.error.issues[0]!.message] }
  const tenant = await bySlug(db, slug)
  if (!tenant) return { ok: false, errors: [`tenant: no tenant with slug "${slug}"`] }
  if (tenant.hosts.includes(parsed.data)) return { ok: true, value: 'unchanged' }
  const owner = await db('tenant_domains')
    .where({ host: parsed.data })
    .first<{ tenant_id: string } | undefined>('tenant_id')
  if (owner) return { ok: false, errors: [`host: ${parsed.data} already names another tenant`] }
  await withTenant(db, tenant.id, async (trx) => {
    await trx('tenant_domains').insert({ tenant_id: tenant.id, host: parsed.data })
    await audit(trx, platformContext(tenant), {
      action: 'tenant.host-added',
      targetType: 'tenant',
      targetId: tenant.id,
      details: { host: parsed.data },
    })
    await notify(trx, TENANT_CHANGED, tenant.id)
  })
  return { ok: true, value: 'added' }
}

export async function removeHost(
  db: Knex,
  slug: string,
  host: string,
): Promise<Outcome<'removed' | 'unchanged'>> {
  const tenant = await bySlug(db, slug)
  if (!tenant) return { ok: false, errors: [`tenant: no tenant with slug "${slug}"`] }
  const name = host.trim().toLowerCase()
  if (!tenant.hosts.includes(name)) return { ok: true, value: 'unchanged' }
  await withTenant(db, tenant.id, async (trx) => {
    await trx('tenant_domains').where({ tenant_id: tenant.id, host: name }).delete()
    await audit(trx, platformContext(tenant), {
      action: 'tenant.host-removed',
      targetType: 'tenant',
      targetId: tenant.id,
      details: { host: name },
    })
    await notify(trx, TENANT_CHANGED, tenant.id)
  })
  return { ok: true, value: 'removed' }
}

/** Disabling keeps every row; the hosts answer "not available" until it is enabled again. */
export async function setDisabled(db: Knex, slug: string, disabled: boolean): Promise<Outcome<Tenant>> {
  const tenant = await bySlug(db, slug)
  if (!tenant) return { ok: false, errors: [`tenant: no tenant with slug "${slug}"`] }
  await withTenant(db, tenant.id, async (trx) => {
    await trx('tenants')
      .where({ id: tenant.id })
      .update({ disabled_at: disabled ? trx.fn.now() : null })
    await audit(trx, platformContext(tenant), {
      action: disabled ? 'tenant.disabled' : 'tenant.enabled',
      targetType: 'tenant',
      targetId: tenant.id,
    })
    await notify(trx, TENANT_CHANGED, tenant.id)
  })
  return { ok: true, value: tenant }
}

export { listTenants }
