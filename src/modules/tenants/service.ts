import type { Knex } from 'knex'
import { notify } from '../../db/listener.ts'
import { withTenant } from '../../db/tenant-scope.ts'
import type { RequestContext } from '../../platform/context.ts'
import type { Clock } from '../../platform/clock.ts'
import { audit } from '../../platform/audit.ts'
import { TENANT_CHANGED, type TenantDirectory } from '../../platform/tenancy/directory.ts'
import { updateTenantSettings } from '../../platform/tenancy/repo.ts'
import type { Tenant } from '../../platform/tenancy/settings.ts'

export interface TenantsDeps {
  db: Knex
  clock: Clock
  tenants: TenantDirectory
}

/**
 * Saves a tenant's validated settings with an audit row naming what changed, and tells
 * every app process (NOTIFY, delivered on commit) to forget its cached copy.
 */
export async function saveSettings(
  deps: TenantsDeps,
  ctx: RequestContext,
  settings: Tenant['settings'],
): Promise<void> {
  const before = ctx.tenant.settings
  await withTenant(deps.db, ctx.tenant.id, async (trx) => {
    await updateTenantSettings(trx, ctx.tenant.id, settings, deps.clock.now())
    const changed = Object.keys(settings).filter(
      (k) =>
        JSON.stringify(settings[k as keyof typeof settings]) !==
        JSON.stringify(before[k as keyof typeof before]),
    )
    await audit(trx, ctx, {
      action: 'tenant.settings-updated',
      targetType: 'tenant',
      targetId: ctx.tenant.id,
      details: { changed },
    })
    await notify(trx, TENANT_CHANGED, ctx.tenant.id)
  })
  // This process need not wait for its own notification.
  deps.tenants.invalidate()
}
