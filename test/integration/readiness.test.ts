import { mkdtempSync, chmodSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmbeddedPostgres, type EmbeddedCluster } from '../../src/db/embedded.ts'
import { createKnex } from '../../src/db/knex.ts'
import { migrate } from '../../src/db/migrate.ts'
import { APP_ROLE, OWNER_ROLE, createDatabase, ensureRoles, withCredentials } from '../../src/db/roles.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import type { TestDatabase } from '../helpers/db.ts'
import { createTenant } from '../helpers/factories.ts'

const METRICS_TOKEN = 'metrics-token-for-the-test-run'

/** Its own PostgreSQL, because this test stops and restarts the server. */
describe('readiness when the database goes away', () => {
  let dir: string
  let cluster: EmbeddedCluster
  let t: TestApp
  let host: string

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'kabinet-ready-'))
    chmodSync(dir, 0o755)
    cluster = await startEmbeddedPostgres(path.join(dir, 'pg'), { disposable: true })
    const passwords = { owner: 'owner-pw', app: 'app-pw' }
    const su = createKnex(cluster.url, { poolMax: 1 })
    await ensureRoles(su, passwords)
    await createDatabase(su, 'kabinet')
    await su.destroy()
    const ownerUrl = withCredentials(cluster.url, 'kabinet', OWNER_ROLE, passwords.owner)
    await migrate(ownerUrl)
    const owner = createKnex(ownerUrl, { poolMax: 1 })
    const database: TestDatabase = {
      name: 'kabinet',
      ownerUrl,
      runtimeUrl: withCredentials(cluster.url, 'kabinet', APP_ROLE, passwords.app),
      superuserUrl: cluster.url,
      owner,
      drop: () => owner.destroy(),
    }
    t = await createTestApp({ database, env: { METRICS_TOKEN } })
    host = (await createTenant(owner)).host
  })
  afterAll(async () => {
    await t.close()
    await t.db.drop()
    await cluster.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('is ready, turns 503 while the database is down (pages too, without crashing), and recovers', async () => {
    const ready = await request(t.app).get('/readyz')
    expect(ready.status).toBe(200)
    expect(ready.headers['x-content-type-options']).toBe('nosniff')
    expect((await request(t.app).get('/livez')).headers['x-content-type-options']).toBe('nosniff')

    await cluster.stop()
    const down = await request(t.app).get('/readyz')
    expect(down.status).toBe(503)
    expect((await request(t.app).get('/livez')).status).toBe(200)
    const page = await request(t.app).get('/nope').set('Host', 'uncached.example')
    expect(page.status).toBe(503)
    expect(page.headers['retry-after']).toBe('30')

    await cluster.start()
    let status = 0
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await request(t.app).get('/readyz')).status
      if (status !== 200) await new Promise((r) => setTimeout(r, 200))
    }
    expect(status).toBe(200)
    expect((await request(t.app).get('/').set('Host', host)).status).toBe(200)
  })

  it('turns 503 when the process is shutting down', async () => {
    t.deps.lifecycle.shuttingDown = true
    try {
      const res = await request(t.app).get('/readyz')
      expect(res.status).toBe(503)
      expect(res.text).toBe('shutting down')
    } finally {
      t.deps.lifecycle.shuttingDown = false
    }
  })

  it('exposes Prometheus metrics to the bearer of the metrics token only', async () => {
    expect((await request(t.app).get('/metrics').set('Host', host)).status).toBe(404)
    const wrong = await request(t.app).get('/metrics').set('Host', host).set('Authorization', 'Bearer nope')
    expect(wrong.status).toBe(404)
    const res = await request(t.app).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`)
    expect(res.status).toBe(200)
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    expect(res.text).toContain('http_request_duration_seconds_bucket')
    expect(res.text).toContain('process_cpu_user_seconds_total')
  })
})
