import { execFileSync } from 'node:child_process'
import { mkdtempSync, chmodSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmbeddedPostgres, type EmbeddedCluster } from '../../src/db/embedded.ts'
import { createKnex } from '../../src/db/knex.ts'
import { moduleQueues } from '../../src/registry.ts'
import { migrate } from '../../src/db/migrate.ts'
import { APP_ROLE, OWNER_ROLE, createDatabase, ensureRoles, withCredentials } from '../../src/db/roles.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import type { TestDatabase } from '../helpers/db.ts'
import { createTenant } from '../helpers/factories.ts'
import { agentFor } from '../helpers/agent.ts'

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
    await migrate(ownerUrl, moduleQueues())
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

  it('answers every request 503 with Retry-After within seconds while the database is frozen, then recovers', async () => {
    const login = agentFor(t.app, host)
    await login.get('/login')
    expect((await request(t.app).get('/').set('Host', host)).status).toBe(200)
    // SIGSTOP freezes the server and every backend: connections stay open, nothing answers.
    const postmaster = Number(readFileSync(path.join(dir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0])
    const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(postmaster)], { encoding: 'utf8' })
      .split('\n')
      .map((l) => Number(l.trim()))
      .filter((pid) => pid > 0)
    const pids = [postmaster, ...children]
    for (const pid of pids) process.kill(pid, 'SIGSTOP')
    try {
      const started = Date.now()
      // The anonymous home page needs no query (the tenant is cached), so it may still answer.
      const names = ['readyz', 'home', 'login page with a session', 'unknown host', 'login']
      const probes = [
        request(t.app).get('/readyz'),
        request(t.app).get('/').set('Host', host),
        login.get('/login'),
        request(t.app).get('/').set('Host', 'never-seen-before.example'),
        login.post('/login', { login: 'someone@example.com', password: 'whatever it is' }),
      ]
      const answers = await Promise.all(probes.map((p) => p.then((r) => ({ r, ms: Date.now() - started }))))
      answers.forEach(({ r, ms }, i) => {
        expect(r.status, names[i]).toBe(names[i] === 'home' && r.status === 200 ? 200 : 503)
        if (r.status === 503) expect(r.headers['retry-after'], names[i]).toBeDefined()
        expect(ms, names[i]).toBeLessThan(8_000)
      })
    } finally {
      for (const pid of pids) process.kill(pid, 'SIGCONT')
    }
    let status = 0
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await request(t.app).get('/').set('Host', host)).status
      if (status !== 200) await new Promise((r) => setTimeout(r, 200))
    }
    expect(status).toBe(200)
    expect((await request(t.app).get('/readyz')).status).toBe(200)
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
