import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createKnex } from '../../src/db/knex.ts'
import { saveSettings } from '../../src/modules/tenants/service.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { createTenant } from '../helpers/factories.ts'

/** Two app instances on one database, each with its own pools, cache and LISTEN connection, as two processes would be. */
describe('tenant settings reach every app process at once', () => {
  let one: TestApp
  let two: TestApp
  let tenant: Awaited<ReturnType<typeof createTenant>>

  beforeAll(async () => {
    one = await createTestApp()
    two = await createTestApp({ database: one.db })
    tenant = await createTenant(one.db.owner, { name: 'Before' })
  })
  afterAll(async () => {
    await two.close()
    await one.close()
  })

  const ctx = () => ({
    tenant,
    actor: { type: 'system' as const, id: null },
    locale: 'en' as const,
    requestId: 'test',
    ip: undefined,
  })
  async function nameSeenByTwo(expected: string): Promise<boolean> {
    for (let i = 0; i < 40; i++) {
      const page = await request(two.app).get('/').set('Host', tenant.host)
      if (page.text.includes(expected)) return true
      await new Promise((r) => setTimeout(r, 50))
    }
    return false
  }

  it('a change saved through one instance shows on the other within two seconds', async () => {
    // Whatever another test named it, two sees the name one saves next.
    const current = (await one.deps.tenants.byHost(tenant.host))!
    expect(await nameSeenByTwo(current.settings.name)).toBe(true)
    await saveSettings(one.deps, ctx(), { ...current.settings, name: 'After' })
    expect(await nameSeenByTwo('After')).toBe(true)
  })

  it('after its LISTEN connection is killed, an instance reconnects and catches up', async () => {
    const superuser = createKnex(one.db.superuserUrl, { poolMax: 1 })
    try {
      const { rows } = await superuser.raw<{ rows: unknown[] }>(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE application_name = 'kabinet-listen' AND datname = ?`,
        [one.db.name],
      )
      expect(rows).toHaveLength(2)
    } finally {
      await superuser.destroy()
    }
    const current = (await one.deps.tenants.byHost(tenant.host))!
    await saveSettings(one.deps, ctx(), { ...current.settings, name: 'Again' })
    expect(await nameSeenByTwo('Again')).toBe(true)
  })
})
