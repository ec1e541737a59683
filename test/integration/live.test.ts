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
  let portTwo: number
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
    servers = [one.app.listen(0), two.app.listen(0)]
    for (const s of servers) if (!s.listening) await new Promise((r) => s.once('listening', r))
    port = (servers[0]!.address() as AddressInfo).port
    portTwo = (servers[1]!.address() as AddressInfo).port
  })
  afterAll(async () => {
    for (const s of servers) {
      s.closeAllConnections()
      s.close()
    }
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

    // A page that says which event it was rendered after gets what happened between its
    // render and its stream (a job finishing in that moment); without it, only what comes next.
    await send(one, 'probe:a1', { n: 6 })
    const rendered = await openStream(port, tenant.host, `/probe/live/a1?after=${again.events[1]!.id}`)
    const fresh = await openStream(port, tenant.host, '/probe/live/a1')
    await send(two, 'probe:a1', { n: 7 })
    await rendered.waitFor(2)
    await fresh.waitFor(1)
    await new Promise((r) => setTimeout(r, 200))
    expect(rendered.events.map((e) => e.data)).toEqual([{ n: 6 }, { n: 7 }])
    expect(fresh.events.map((e) => e.data)).toEqual([{ n: 7 }])
    rendered.close()
    fresh.close()

    // Events are kept a day for reconnecting pages, then swept.
    const { table, column, keepMs } = LIVE_EVENT_SWEEP
    const tomorrow = new Date(Date.now() + keepMs)
    expect(
      await sweepOlderThan(one.db.owner, [tenant.id], table, column, new Date(Date.now() - keepMs)),
    ).toBe(0)
    expect(await sweepOlderThan(one.db.owner, [tenant.id], table, column, tomorrow)).toBeGreaterThanOrEqual(7)
  })

  it('checks who may follow a topic when subscribing, and caps the streams of one session on all processes together', async () => {
    const denied = await request(one.app).get('/probe/live/secret').set('Host', tenant.host)
    expect(denied.status).toBe(403)
    const form = await request(one.app).get('/probe/form').set('Host', tenant.host)
    const cookie = form.headers['set-cookie']![0]!.split(';')[0]!
    const open: Stream[] = []
    // Spread over both processes: the cap counts them together.
    for (let i = 0; i < MAX_STREAMS_PER_SESSION; i++)
      open.push(
        await openStream(i % 2 ? portTwo : port, tenant.host, `/probe/live/cap${i}`, { Cookie: cookie }),
      )
    expect(open.map((s) => s.status)).toEqual(Array(MAX_STREAMS_PER_SESSION).fill(200))
    for (const p of [port, portTwo]) {
      const extra = await openStream(p, tenant.host, '/probe/live/cap-extra', { Cookie: cookie })
      expect(extra.status).toBe(429)
      extra.close()
    }
    // A closed tab frees its place.
    open.shift()!.close()
    let again: Stream | undefined
    for (let i = 0; i < 50 && again?.status !== 200; i++) {
      again?.close()
      await new Promise((r) => setTimeout(r, 20))
      again = await openStream(portTwo, tenant.host, '/probe/live/cap-again', { Cookie: cookie })
    }
    expect(again?.status).toBe(200)
    for (const s of [...open, again!]) s.close()
  })

  it('catches up once per topic, however many pages follow it, and not at all for topics nobody here follows', async () => {
    const fans: Stream[] = []
    for (let i = 0; i < 30; i++) fans.push(await openStream(port, tenant.host, '/probe/live/fan'))
    const others: Stream[] = []
    for (let i = 0; i < 10; i++) others.push(await openStream(port, tenant.host, '/probe/live/quiet'))
    // Each new stream catches up once as it opens; let those finish before counting.
    await new Promise((r) => setTimeout(r, 300))
    let catchUps = 0
    const count = (q: { sql: string }) => {
      if (q.sql.includes('"live_events"') && q.sql.includes('"seq" >')) catchUps += 1
    }
    one.deps.db.on('query', count)
    try {
      await send(two, 'probe:fan', { n: 1 })
      for (const s of fans) await s.waitFor(1)
      await send(two, 'probe:nobody-here', { n: 2 })
      await new Promise((r) => setTimeout(r, 300))
      expect(catchUps).toBe(1)
      expect(fans.every((s) => s.events.length === 1)).toBe(true)
      expect(others.every((s) => s.events.length === 0)).toBe(true)
    } finally {
      one.deps.db.off('query', count)
      for (const s of [...fans, ...others]) s.close()
    }
  })
})
