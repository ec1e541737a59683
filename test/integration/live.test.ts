import type http from 'node:http'
import type { AddressInfo } from 'node:net'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { MAX_STREAMS_PER_SESSION } from '../../src/http/live.ts'
import { sweepOlderThan } from '../../src/platform/jobs.ts'
import { LIVE_EVENT_SWEEP, publish } from '../../src/platform/live.ts'
import { MODULES } from '../../src/registry.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { createTenant } from '../helpers/factories.ts'
import { probeModule } from '../helpers/probe-module.ts'
import { openStream, type Stream } from '../helpers/sse.ts'

describe('live updates (SSE)', () => {
  let one: TestApp
  let two: TestApp
  let servers: http.Server[]
  let port: number
  let tenant: Awaited<ReturnType<typeof createTenant>>
  const send = (app: TestApp, topic: string, data: unknown, rollBack = false) =>
    withTenant(app.deps.db, tenant.id, async (trx) => {
      await publish(trx, tenant.id, topic, data)
      if (rollBack) throw new Error('rolled back')
    })

  beforeAll(async () => {
    one = await createTestApp({ modules: [...MODULES, probeModule] })
    // A second app process on the same database, as behind a load balancer.
    two = await createTestApp({ modules: [...MODULES, probeModule], database: one.db })
    tenant = await createTenant(one.db.owner)
    servers = [one.app.listen(0)]
    await new Promise((r) => servers[0]!.once('listening', r))
    port = (servers[0]!.address() as AddressInfo).port
  })
  afterAll(async () => {
    for (const s of servers) s.closeAllConnections()
    await two.close()
    await one.close()
  })

  it('streams what is committed — from any process — and never what rolled back', async () => {
    const stream = await openStream(port, tenant.host, '/probe/live/a1')
    expect(stream.status).toBe(200)
    await send(one, 'probe:a1', { n: 1 })
    await expect(send(two, 'probe:a1', { n: 2 }, true)).rejects.toThrow('rolled back')
    await send(two, 'probe:a1', { n: 3 })
    await send(one, 'probe:other', { n: 99 })
    await stream.waitFor(2)
    await new Promise((r) => setTimeout(r, 200))
    expect(stream.events.map((e) => e.data)).toEqual([{ n: 1 }, { n: 3 }])
    stream.close()

    // Reconnecting with the last id it saw, a page gets what it missed, once.
    await send(one, 'probe:a1', { n: 4 })
    await send(two, 'probe:a1', { n: 5 })
    const again = await openStream(port, tenant.host, '/probe/live/a1', {
      'Last-Event-ID': stream.events[1]!.id,
    })
    await again.waitFor(2)
    await new Promise((r) => setTimeout(r, 200))
    expect(again.events.map((e) => e.data)).toEqual([{ n: 4 }, { n: 5 }])
    again.close()

    // Events are kept a day for reconnecting pages, then swept.
    const { table, column, keepMs } = LIVE_EVENT_SWEEP
    const tomorrow = new Date(Date.now() + keepMs)
    expect(
      await sweepOlderThan(one.db.owner, [tenant.id], table, column, new Date(Date.now() - keepMs)),
    ).toBe(0)
    expect(await sweepOlderThan(one.db.owner, [tenant.id], table, column, tomorrow)).toBeGreaterThanOrEqual(5)
  })

  it('checks who may follow a topic when subscribing, and caps the streams of one session', async () => {
    const denied = await request(one.app).get('/probe/live/secret').set('Host', tenant.host)
    expect(denied.status).toBe(403)
    const form = await request(one.app).get('/probe/form').set('Host', tenant.host)
    const cookie = form.headers['set-cookie']![0]!.split(';')[0]!
    const open: Stream[] = []
    for (let i = 0; i < MAX_STREAMS_PER_SESSION; i++) {
      open.push(await openStream(port, tenant.host, `/probe/live/cap${i}`, { Cookie: cookie }))
    }
    expect(open.every((s) => s.status === 200)).toBe(true)
    const extra = await openStream(port, tenant.host, '/probe/live/cap-extra', { Cookie: cookie })
    expect(extra.status).toBe(429)
    extra.close()
    for (const s of open) s.close()
  })
})
