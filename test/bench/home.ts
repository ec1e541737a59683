/**
 * `npm run bench`: the tenant home page against a minimal Express 5 app that does the
 * same essential work — a session lookup in Postgres, one query, one Nunjucks render —
 * against the same database, each page in blocks alternating with the minimal app's. Prints
 * requests/s, p99 and the ratio, so the cost of the platform's middleware is a number, not
 * a guess.
 */
import { mkdtempSync, chmodSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
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
import { costOf } from '../helpers/budget.ts'
import { probeModule } from '../helpers/probe-module.ts'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { TOTAL_APPLICATIONS, seedApplications } from './applications.ts'
import { BENCH_DAY, UNITS, seedGenerationDay } from './generation.ts'
import { REGISTRATIONS, seedMarket } from './market.ts'
import { MESSAGES_PER_SECOND, STREAMS, TOPICS, benchLiveFanOut } from './live.ts'
import { SIGNINS_PER_SECOND, loopDelayDuring, signInBurst } from './signins.ts'
import {
  BLOCKS,
  CONNECTIONS,
  DURATION,
  endLoad,
  listen,
  once,
  run,
  runBeside,
  serverTime,
  sessionCookie,
  type Result,
  type Target,
} from './load.ts'
import { benchScaleOut } from './scale.ts'
import { benchDaySaves } from './saves.ts'
import { POINTS, benchAmrIngest } from './amr-ingest.ts'

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
    modules: { services: { access: { pgb: 'open' } } },
  })
  await owner.destroy()

  const config = loadConfig({
    NODE_ENV: 'test',
    SESSION_SECRET: 'bench-secret-bench-secret-bench-secret',
    VAR_DIR: dir,
    LOG_LEVEL: 'silent',
    // The bench sends one token's saves as fast as they go: the API's quotas must not stop it.
    API_TOKEN_PER_MINUTE: '100000',
    API_ADDRESS_PER_MINUTE: '100000',
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

  const minimalTarget: Target = {
    name: 'minimal express 5',
    url: minimal.url,
    host: tenant.host,
    cookie: await sessionCookie(minimal.url, tenant.host, '/seed'),
  }
  const home = await runBeside(
    {
      name: 'kabinet home page',
      url: kabinet.url,
      host: tenant.host,
      cookie: await sessionCookie(kabinet.url, tenant.host, '/probe/form'),
    },
    minimalTarget,
  )
  const base = home.beside
  const ours: Result = { ...home.target, baseline: base.rps }
  const results: Result[] = [base, ours]

  // The heavy pages of the modules, with 10,000 applications in the tenant.
  const owner2 = createKnex(ownerUrl, { poolMax: 2 })
  const { customerCookie, colleagueCookie, staffCookie, conversation } = await seedApplications(
    owner2,
    kabinetApp,
    tenant,
  )
  await seedGenerationDay(owner2, tenant.id)
  const registration = await seedMarket(owner2, tenant.id)
  const unit = await withTenant(owner2, tenant.id, (trx) =>
    trx('generating_units').orderBy('code').first<{ id: string }>('id'),
  )
  const saves = await benchDaySaves({
    url: kabinet.url,
    host: tenant.host,
    owner: owner2,
    tenantId: tenant.id,
    unitId: unit.id,
    customerCookie,
    zone: 'Europe/Warsaw',
  })
  await owner2.destroy()
  const overviewPath = `/admin/generation?day=${BENCH_DAY}`
  const serverMs = await serverTime(kabinet.url, tenant.host, staffCookie, overviewPath)
  for (const [name, cookie, page] of [
    // The floor of a signed-in page: the home page reads nothing but the customer, in the
    // read transaction every tenant page pays for (BEGIN, the tenant, COMMIT), and renders
    // the layout. A page that reads a list pays this and the list.
    ['home, signed in', customerCookie, '/'],
    ['my applications', customerCookie, '/services/applications'],
    // The same page for a colleague acting for that account (issue 21).
    ['my apps, colleague', colleagueCookie, '/services/applications'],
    ['application, cust.', customerCookie, `/services/applications/${conversation}`],
    ['admin queue', staffCookie, '/admin/applications'],
    ['queue, filtered', staffCookie, '/admin/applications?status=inProgress&q=Customer%201'],
    ['queue, searched', staffCookie, '/admin/applications?q=Customer%2017'],
    ['queue, overdue', staffCookie, '/admin/applications?overdue=1'],
    ['application, staff', staffCookie, `/admin/applications/${conversation}`],
    ['PGB day page', customerCookie, `/services/pgb/units/${unit.id}/days/${BENCH_DAY}`],
    ['day overview', staffCookie, overviewPath],
    ['market queue', staffCookie, '/admin/market'],
    ['market, filtered', staffCookie, '/admin/market?type=supplier&status=submitted&q=Company%2012'],
    ['market registration', staffCookie, `/admin/market/${registration}`],
  ] as const) {
    // What one request costs in round trips, measured alone (after a first) before the load,
    // once the requests the previous run left behind (cut off by autocannon) have finished.
    await new Promise((r) => setTimeout(r, 1_000))
    await serverTime(kabinet.url, tenant.host, cookie, page, 0)
    const cost = await costOf({ deps }, () => once(kabinet.url, tenant.host, cookie, page))
    if (process.env.BENCH_SQL) process.stderr.write(`${name}\n  ${cost.sql.join('\n  ')}\n`)
    const { target, beside } = await runBeside(
      { name, url: kabinet.url, host: tenant.host, cookie, page },
      minimalTarget,
    )
    results.push({ ...target, cost, baseline: beside.rps })
  }
  results.push(...saves)
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
  const homeCookie = await sessionCookie(kabinet.url, tenant.host, '/probe/form')
  const [burst, pagesDuringSignIns] = await Promise.all([
    signInBurst(kabinet.url, tenant.host, DURATION),
    run('home, sign-ins', kabinet.url, tenant.host, homeCookie),
  ])
  results.push(pagesDuringSignIns)
  // The same load without them: how much of the loop's delay is the sign-ins'.
  const calm = await loopDelayDuring(() => run('home, no sign-ins', kabinet.url, tenant.host, homeCookie))
  results.push(calm.value)

  // Scale-out: the same pages through nginx to one portal process, then to two (item 8).
  const scale = await benchScaleOut(
    { runtimeUrl, ownerUrl, sessionSecret: config.sessionSecret, dir, host: tenant.host },
    [
      ['home page', await sessionCookie(kabinet.url, tenant.host, '/probe/form'), '/'],
      ['my applications', customerCookie, '/services/applications'],
    ],
  )
  // "min req/s" is the minimal app in blocks alternating with the row's own (runBeside);
  // rows without one were measured beside other load and show no ratio.
  process.stdout.write(
    `\n${'app'.padEnd(20)}${'req/s'.padStart(8)}${'min req/s'.padStart(10)}${'× min'.padStart(8)}${'p99 ms'.padStart(8)}${'non-2xx'.padStart(9)}${'idle'.padStart(6)}${'stmts'.padStart(7)}${'tx'.padStart(4)}\n`,
  )
  for (const r of results) {
    const beside = r === base ? base.rps : r.baseline
    process.stdout.write(
      `${r.name.padEnd(20)}${r.rps.toFixed(0).padStart(8)}${(beside?.toFixed(0) ?? '—').padStart(10)}${(beside ? (r.rps / beside).toFixed(2) : '—').padStart(8)}${String(r.p99).padStart(8)}${String(r.non2xx).padStart(9)}${`${(r.idle * 100).toFixed(0)}%`.padStart(6)}${String(r.cost?.statements ?? '').padStart(7)}${String(r.cost?.transactions ?? '').padStart(4)}\n`,
    )
  }
  for (const { page, one, two } of scale)
    process.stdout.write(
      `through nginx, ${page}: 1 process ${one.rps.toFixed(0)} req/s (p99 ${one.p99} ms, machine ${(one.idle * 100).toFixed(0)}% idle), 2 processes ${two.rps.toFixed(0)} req/s (p99 ${two.p99} ms, ${(two.idle * 100).toFixed(0)}% idle): ${(two.rps / one.rps).toFixed(2)}×\n`,
    )
  process.stdout.write(
    `\nkabinet / minimal: ${(ours.rps / base.rps).toFixed(2)} of the throughput, p99 ${(ours.p99 / Math.max(base.p99, 1)).toFixed(2)}x (${DURATION}s each side in ${BLOCKS} alternating blocks, ${CONNECTIONS} connections; applications pages with ${TOTAL_APPLICATIONS} applications in the tenant, market pages with ${REGISTRATIONS} registrations)\n`,
  )

  process.stdout.write(
    `day overview (${UNITS} units × 96 intervals): ${serverMs.toFixed(0)} ms per request, one at a time (median of 20)\n`,
  )

  process.stdout.write(
    `live fan-out (${STREAMS} streams over ${TOPICS} conversations, ${MESSAGES_PER_SECOND} messages/s for ${DURATION}s): ${live.delivered} of ${live.expected} deliveries, p99 ${live.p99} ms, ${live.refused} streams refused\n`,
  )

  process.stdout.write(
    `sign-ins (${SIGNINS_PER_SECOND}/s for ${DURATION}s, the home page served meanwhile): answers ${JSON.stringify(burst.statuses)}, event-loop delay p99 ${burst.loopP99.toFixed(1)} ms beyond its 10 ms sampling interval (the same load without sign-ins: ${calm.loopP99.toFixed(1)} ms)\n`,
  )

  // Bulk ingest against a raw COPY (issue 19 item 12), after the pages: it loads the machine.
  const owner3 = createKnex(ownerUrl, { poolMax: 1 })
  const [rawTenant, ingestTenant] = [
    await createTenant(owner3, { timeZone: 'Europe/Moscow' }),
    await createTenant(owner3, { timeZone: 'Europe/Moscow' }),
  ]
  await owner3.destroy()
  const superuserUrl = new URL(cluster.url)
  superuserUrl.pathname = '/kabinet'
  const superuser = createPgPool(superuserUrl.toString(), () => {}, 1)
  const amr = await benchAmrIngest(deps.pool, superuser, dir, {
    raw: rawTenant.id,
    ingest: ingestTenant.id,
  })
  await superuser.end()
  process.stdout.write(
    `AMR ingest (${POINTS} points × 4 channels × 48 periods, ${amr.rows} values, ${(amr.bytes / 1e6).toFixed(0)} MB of 80020): raw COPY ${(amr.rawMs / 1000).toFixed(1)} s, import ${(amr.ingestMs / 1000).toFixed(1)} s = ${(amr.ingestMs / amr.rawMs).toFixed(2)}× (target ≤ 2×); the same file again ${(amr.againMs / 1000).toFixed(1)} s, ${amr.changedAgain} values changed\n`,
  )

  endLoad()
  kabinet.server.close()
  minimal.server.close()
  await pool.end()
  await db.destroy()
  await closeDeps(deps)
} finally {
  await cluster.stop()
  rmSync(dir, { recursive: true, force: true })
}
