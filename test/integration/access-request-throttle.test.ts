import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { agentFor } from '../helpers/agent.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { createTenant } from '../helpers/factories.ts'

// Its own app and database: the limiter counts per address, across every test that posts.
describe('public access requests', () => {
  let t: TestApp
  let tenant: Awaited<ReturnType<typeof createTenant>>
  beforeAll(async () => {
    t = await createTestApp()
    tenant = await createTenant(t.db.owner, { enabledServices: ['pgb'] })
  })
  afterAll(() => t.close())

  it('throttles public access requests from one address, whatever email each gives, and stores none past it', async () => {
    const agent = agentFor(t.app, tenant.host)
    const statuses: number[] = []
    for (let i = 0; i < 12; i++) {
      await agent.get('/access-request')
      const res = await agent.post('/access-request', {
        company: `Firma ${i}`,
        email: `biuro${i}@firma${i}.example`,
        phone: '+48 58 123 45 67',
        service: 'pgb',
      })
      statuses.push(res.status)
    }
    const firstRefused = statuses.indexOf(429)
    // Ten from one address per quarter of an hour.
    expect(firstRefused).toBe(10)
    expect(statuses.slice(firstRefused).every((s) => s === 429)).toBe(true)
    const stored = await withTenant(t.db.owner, tenant.id, (trx) =>
      trx('access_requests').count<{ n: string }[]>('* as n'),
    )
    expect(Number(stored[0]!.n)).toBe(firstRefused)
  })
})
