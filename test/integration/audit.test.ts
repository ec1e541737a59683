import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createKnex } from '../../src/db/knex.ts'
import { withTenant } from '../../src/db/tenant-scope.ts'
import type { RequestContext } from '../../src/platform/context.ts'
import { audit } from '../../src/platform/audit.ts'
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts'
import { createTenant } from '../helpers/factories.ts'

describe('audit log', () => {
  let db: TestDatabase
  let runtime: ReturnType<typeof createKnex>
  let ctx: RequestContext

  beforeAll(async () => {
    db = await createTestDatabase()
    runtime = createKnex(db.runtimeUrl, { poolMax: 2 })
    const tenant = await createTenant(db.owner)
    ctx = {
      tenant,
      actor: { type: 'operator', id: '00000000-0000-4000-8000-000000000042' },
      locale: 'en',
      requestId: 'req-audit-1',
      ip: '203.0.113.7',
    }
  })
  afterAll(async () => {
    await runtime.destroy()
    await db.drop()
  })

  it('records who, what, target, when and the request, committing with the change it describes', async () => {
    await withTenant(runtime, ctx.tenant.id, (trx) =>
      audit(trx, ctx, {
        action: 'settings.update',
        targetType: 'tenant',
        targetId: ctx.tenant.id,
        details: { field: 'name' },
      }),
    )
    await expect(
      withTenant(runtime, ctx.tenant.id, async (trx) => {
        await audit(trx, ctx, { action: 'settings.rolled-back' })
        throw new Error('the change failed')
      }),
    ).rejects.toThrow('the change failed')

    const rows = await withTenant(runtime, ctx.tenant.id, (trx) => trx('audit_log').select())
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({
      tenant_id: ctx.tenant.id,
      actor_type: 'operator',
      actor_id: ctx.actor.id,
      action: 'settings.update',
      target_type: 'tenant',
      target_id: ctx.tenant.id,
      request_id: 'req-audit-1',
      ip: '203.0.113.7',
      details: { field: 'name' },
    })
    expect(rows[0].at).toBeInstanceOf(Date)
  })
})
