import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listTypes } from '../../src/modules/applications/types.service.ts'
import { systemContext, type RequestContext } from '../../src/platform/context.ts'
import { READING, TP15, seedType } from '../helpers/applications.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { createTenant } from '../helpers/factories.ts'

/**
 * Issue 18 item 2: application types are cached in each process and forgotten when any
 * writer — here psql-like, as the owner, outside every service — changes them.
 */
describe('the per-process cache of application types', () => {
  let one: TestApp
  let two: TestApp
  let ctx: RequestContext
  let tenantId: string
  beforeAll(async () => {
    one = await createTestApp()
    two = await createTestApp({ database: one.db })
    const tenant = await createTenant(one.db.owner)
    tenantId = tenant.id
    await seedType(one.db.owner, tenant.id, 'tp15', TP15)
    ctx = systemContext((await one.deps.tenants.byHost(tenant.host))!, 'cache')
  })
  afterAll(async () => {
    await two.close()
    await one.close()
  })

  const codes = async (t: TestApp) => (await listTypes(t.deps, ctx)).map((type) => type.code)

  it('reads the table once per process, and again in every process after a change', async () => {
    expect(await codes(one)).toEqual(['tp15'])
    expect(await codes(two)).toEqual(['tp15'])
    const queries: string[] = []
    const count = (q: { sql: string }) => void (/application_types/.test(q.sql) && queries.push(q.sql))
    one.deps.db.on('query', count)
    two.deps.db.on('query', count)
    try {
      expect(await codes(one)).toEqual(['tp15'])
      expect(await codes(two)).toEqual(['tp15'])
      expect(queries).toEqual([])
      await seedType(one.db.owner, tenantId, 'reading', READING)
      const deadline = Date.now() + 2_000
      let seen: string[][] = []
      while (Date.now() < deadline) {
        seen = [await codes(one), await codes(two)]
        if (seen.every((c) => c.length === 2)) break
        await sleep(20)
      }
      expect(seen).toEqual([
        ['reading', 'tp15'],
        ['reading', 'tp15'],
      ])
    } finally {
      one.deps.db.off('query', count)
      two.deps.db.off('query', count)
    }
  })
})
