import type { Knex } from 'knex'
import type { Tenant } from './settings.ts'
import { findTenantByHost } from './repo.ts'

/** NOTIFY channel: a tenant's settings or hosts changed (payload: the tenant id). */
export const TENANT_CHANGED = 'tenant_changed'

export interface TenantDirectory {
  byHost(host: string): Promise<Tenant | undefined>
  invalidate(): void
}

/**
 * Host → tenant with a short-lived cache. Unknown hosts are cached too (bounded), so a
 * flood of made-up Host headers costs one query per host per TTL, not one per request.
 */
export function createTenantDirectory(db: Knex, ttlMs = 30_000, maxEntries = 1_000): TenantDirectory {
  const cache = new Map<string, { tenant: Tenant | undefined; until: number }>()
  return {
    async byHost(host) {
      const key = host.toLowerCase()
      const hit = cache.get(key)
      if (hit && hit.until > Date.now()) return hit.tenant
      const tenant = await findTenantByHost(db, key)
      if (cache.size >= maxEntries) cache.clear()
      cache.set(key, { tenant, until: Date.now() + ttlMs })
      return tenant
    },
    invalidate() {
      cache.clear()
    },
  }
}
