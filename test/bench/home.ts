/**
 * `npm run bench`: the tenant home page against a minimal Express 5 app that does the
 * same essential work — a session lookup in Postgres, one query, one Nunjucks render —
 * run one after the other against the same database. Prints requests/s, p99 and the
 * ratio, so the cost of the platform's middleware is a number, not a guess.
 */
import { mkdtempSync, chmodSync, rmSync } from 'node:fs'
import http, { type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import autocannon from 'autocannon'
import connectPgSimple from 'connect-pg-simple'
import express from 'express'
import session from 'express-session'
import nunjucks from 'nunjucks'
import { pino } from 'pino'
import { createApp } from '../../src/app.ts'
import { MODULES, moduleNamespaces, moduleQueues } from '../../src/registry.ts'
import { loadConfig } from '../../src/config.ts'
import { startEmbeddedPostgres } from '../../src/db/embedded.ts'
import { createKnex, createPgPool } from '../../src/db/knex.ts'
import { migrate } from '../../src/db/migrate.ts'
import { APP_ROLE, OWNER_ROLE, createDatabase, ensureRoles, withCredentials } from '../../src/db/roles.ts'
import { closeDeps, createDeps } from '../../src/deps.ts'
import { createTenant } from '../helpers/factories.ts'
import { probeModule } from '../helpers/probe-module.ts'
import { TOTAL_APPLICATIONS, seedApplications } from './applications.ts'
import { BENCH_DAY, UNITS, seedGenerationDay } from './generation.ts'
import { MESSAGES_PER_SECOND, STREAMS, TOPICS, benchLiveFanOut } from './live.ts'
import { SIGNINS_PER_SECOND, signInBurst } from './signins.ts'

const DURATION = Number(process.env.BENCH_SECONDS ?? 10)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10)

async function listen(app: express.Express): Promise<{ server: Server; url: string }> {
  const server = app.listen(0, '127.0.0.1')
  await new Promise((r) => server.once('listening', r))
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

/** fetch() will not send a Host header of our choosing, so plain http.get. */
function sessionCookie(url: string, host: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(`${url}${path}`, { headers: { host } }, (res) => {
        res.resume()
        const cookie = res.headers['set-cookie']?.[0]?.split(';')[0]
        if (cookie) resolve(cookie)
        else reject(new Error(`no session cookie from ${path}`))
      })
      .on('error', reject)
  })
}

async function run(name: string, url: string, host: string, cookie: string, page = '/') {
  const result = await autocannon({
    url: `${url}${page}`,
    duration: DURATION,
    connections: CONNECTIONS,
    headers: { host, cookie, 'accept-language': 'pl' },
  })
  const non2xx = result.non2xx + result.errors
  if (non2xx) process.stderr.write(`${name}: ${JSON.stringify(result.statusCodeStats)}\n`)
  return { name, rps: result.requests.average, p99: result.latency.p99, non2xx }
}

/** One request at a time, so the time is the server's, not the queue's: the median of 20. */
async function serverTime(url: string, host: string, cookie: string, path: string): Promise<number> {
  const times: number[] = []
  for (let i = 0; i < 21; i++) {
    const started = performance.now()
    await new Promise<void>((resolve, reject) =>
      http
        .get(`${url}${path}`, { headers: { host, cookie } }, (res) => {
          if (res.statusCode !== 200) reject(new Error(`${path} answered ${res.statusCode}`))
          res.resume()
          res.on('end', () => resolve())
        })
        .on('error', reject),
    )
    if (i > 0) times.push(performance.now() - started)
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!
}

const dir = mkdtempSync(path.join(tmpdir(), 'kabinet-bench-'))
chmodSync(dir, 0o755)
const cluster = await startEmbeddedPostgres(path.join(dir, 'pg'), { disposable: true })
try {
  const passwords = { owner: 'bench-owner', app: 'bench-app' }
  const su = createKnex(cluster.url, { poolMax: 1 })
  await ensureRoles(su, passwords)
  await createDatabase(su, 'kabinet')
  await su.destroy()
  const ownerUrl = withCredentials(cluster.url, 'kabinet', OWNER_ROLE, passwords.owner)
  const runtimeUrl = withCredentials(cluster.url, 'kabinet', APP_ROLE, passwords.app)
  await migrate(ownerUrl, moduleQueues())
  const owner = createKnex(ownerUrl, { poolMax: 1 })
  const tenant = await createTenant(owner, {
    defaultLocale: 'pl',
    enabledServices: ['pgb', 'readings', 'applications'],
  })
  await owner.destroy()

  const config = loadConfig({
    NODE_ENV: 'test',
    SESSION_SECRET: 'bench-secret-bench-secret-bench-secret',
    VAR_DIR: dir,
    LOG_LEVEL: 'silent',
    // The sign-in burst comes "through a proxy", one address per sign-in (see signins.ts).
    TRUST_PROXY_HOPS: '1',
  })
  const modules = [...MODULES, probeModule]
  const deps = await createDeps(config, {
    databaseUrl: runtimeUrl,
    logger: pino({ level: process.env.BENCH_LOG ?? 'silent' }),
    namespaces: moduleNamespaces(modules),
  })
  const kabinetApp = createApp(deps, modules)
  const kabinet = await listen(kabinetApp)

  // The baseline: the same session store and pool size, one query, one render.
  const pool = createPgPool(runtimeUrl, () => {}, 5)
  const db = createKnex(runtimeUrl)
  const PgStore = connectPgSimple(session)
  const env = new nunjucks.Environment(null, { autoescape: true })
  const template = nunjucks.compile(
    '<!DOCTYPE html><html lang="pl"><title>{{ name }}</title><h1>{{ name }}</h1><ul>{% for s in services %}<li>{{ s }}</li>{% endfor %}</ul></html>',
    env,
  )
  const baseline = express()
  baseline.use(
    session({
      secret: config.sessionSecret,
      store: new PgStore({ pool, tableName: 'session', pruneSessionInterval: false }),
      resave: false,
      saveUninitialized: false,
      rolling: true,
    }),
  )
  baseline.get('/seed', (req, res) => {
    ;(req.session as unknown as { seeded: boolean }).seeded = true
    res.send('ok')
  })
  baseline.get('/', async (req, res) => {
    const row = await db('tenants')
      .join('tenant_domains', 'tenant_domains.tenant_id', 'tenants.id')
      .where('tenant_domains.host', req.hostname)
      .first<{ settings: { name: string; enabledServices: string[] } }>('tenants.settings')
    res.send(template.render({ name: row?.settings.name, services: row?.settings.enabledServices }))
  })
  const minimal = await listen(baseline)

  const results = [
    await run(
      'minimal express 5',
      minimal.url,
      tenant.host,
      await sessionCookie(minimal.url, tenant.host, '/seed'),
    ),
    await run(
      'kabinet home page',
      kabinet.url,
      tenant.host,
      await sessionCookie(kabinet.url, tenant.host, '/probe/form'),
    ),
  ]
  const [base, ours] = results as [(typeof results)[0], (typeof results)[0]]

  // The heavy pages of the modules, with 10,000 applications in the tenant.
  const owner2 = createKnex(ownerUrl, { poolMax: 2 })
  const { customerCookie, staffCookie } = await seedApplications(owner2, kabinetApp, tenant)
  await seedGenerationDay(owner2, tenant.id)
  await owner2.destroy()
  const overviewPath = `/admin/generation?day=${BENCH_DAY}`
  const serverMs = await serverTime(kabinet.url, tenant.host, staffCookie, overviewPath)
  results.push(
    await run('my applications', kabinet.url, tenant.host, customerCookie, '/services/applications'),
    await run('admin queue', kabinet.url, tenant.host, staffCookie, '/admin/applications'),
    await run(
      'queue, filtered',
      kabinet.url,
      tenant.host,
      staffCookie,
      '/admin/applications?status=inProgress&q=Customer%201',
    ),
    await run('queue, overdue', kabinet.url, tenant.host, staffCookie, '/admin/applications?overdue=1'),
    await run('day overview', kabinet.url, tenant.host, staffCookie, overviewPath),
  )
  // Live fan-out, with the home page served meanwhile: no page may be refused for it.
  const [live, pagesMeanwhile] = await Promise.all([
    benchLiveFanOut(deps.db, Number(new URL(kabinet.url).port), tenant.host, tenant.id, DURATION),
    run(
      'home, streams open',
      kabinet.url,
      tenant.host,
      await sessionCookie(kabinet.url, tenant.host, '/probe/form'),
    ),
  ])
  results.push(pagesMeanwhile)
  // Sign-ins arriving meanwhile: hashing must not take the cores from the pages.
  const [burst, pagesDuringSignIns] = await Promise.all([
    signInBurst(kabinet.url, tenant.host, DURATION),
    run(
      'home, sign-ins',
      kabinet.url,
      tenant.host,
      await sessionCookie(kabinet.url, tenant.host, '/probe/form'),
    ),
  ])
  results.push(pagesDuringSignIns)
  process.stdout.write(
    `\n${'app'.padEnd(20)}${'req/s'.padStart(10)}${'p99 ms'.padStart(10)}${'non-2xx'.padStart(10)}\n`,
  )
  for (const r of results) {
    process.stdout.write(
      `${r.name.padEnd(20)}${r.rps.toFixed(0).padStart(10)}${String(r.p99).padStart(10)}${String(r.non2xx).padStart(10)}\n`,
    )
  }
  process.stdout.write(
    `\nkabinet / minimal: ${(ours.rps / base.rps).toFixed(2)} of the throughput, p99 ${(ours.p99 / Math.max(base.p99, 1)).toFixed(2)}x (${DURATION}s, ${CONNECTIONS} connections each; applications pages with ${TOTAL_APPLICATIONS} applications in the tenant)\n`,
  )

  process.stdout.write(
    `day overview (${UNITS} units × 96 intervals): ${serverMs.toFixed(0)} ms per request, one at a time (median of 20)\n`,
  )

  process.stdout.write(
    `live fan-out (${STREAMS} streams over ${TOPICS} conversations, ${MESSAGES_PER_SECOND} messages/s for ${DURATION}s): ${live.delivered} of ${live.expected} deliveries, p99 ${live.p99} ms, ${live.refused} streams refused\n`,
  )

  process.stdout.write(
    `sign-ins (${SIGNINS_PER_SECOND}/s for ${DURATION}s, the home page served meanwhile): answers ${JSON.stringify(burst.statuses)}, event-loop delay p99 ${burst.loopP99.toFixed(1)} ms\n`,
  )

  kabinet.server.close()
  minimal.server.close()
  await pool.end()
  await db.destroy()
  await closeDeps(deps)
} finally {
  await cluster.stop()
  rmSync(dir, { recursive: true, force: true })
}
