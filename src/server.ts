import { SUBMISSION_SWEEP } from './platform/submissions.ts'
import { LIVE_EVENT_SWEEP } from './platform/live.ts'
import { scheduleSweep } from './platform/jobs.ts'
import type { Server } from 'node:http'
import { createApp } from './app.ts'
import { ConfigError, loadConfig, type Config } from './config.ts'
import { resolveDatabase } from './db/bootstrap.ts'
import { createKnex } from './db/knex.ts'
import { startupFailure } from './db/embedded.ts'
import { exclusively, migrate } from './db/migrate.ts'
import { SIMULATOR_PORT } from './simulator/amr.ts'
import { startSimulator } from './simulator/server.ts'
import { runtimeRoleFacts, unsafeRuntimeRoleReason } from './db/roles.ts'
import { closeDeps, createDeps } from './deps.ts'
import { createLogger } from './http/logging.ts'
import { seedDemo } from './modules/tenants/index.ts'
import { startMailWorker } from './platform/mail/worker.ts'
import { MODULES, moduleNamespaces, moduleQueues } from './registry.ts'
import { listTenants } from './platform/tenancy/repo.ts'
import { scheduleFileSweep } from './platform/files/index.ts'

function config(): Config {
  try {
    return loadConfig()
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message)
      process.exit(1)
    }
    throw err
  }
}

async function main(): Promise<void> {
  const cfg = config()
  const logger = createLogger(cfg.logLevel)
  const database = await resolveDatabase(cfg, (line) => logger.debug({ postgres: line.trim() }))
  const applied = await migrate(database.ownerUrl, moduleQueues())
  if (applied.length) logger.info({ migrations: applied }, 'migrations applied')

  // Demo tenants and accounts exist only in development (created once, kept after; replicas
  // started together take turns); a production boot creates no accounts.
  const demoLogins =
    cfg.env === 'development'
      ? await exclusively(database.ownerUrl, 'demo', () =>
          withOwner(database.ownerUrl, (db) => seedDemo(db, cfg.port, MODULES, cfg.simulatorUrl)),
        )
      : []

  const deps = await createDeps(cfg, {
    databaseUrl: database.runtimeUrl,
    logger,
    namespaces: moduleNamespaces(),
  })
  const unsafe = unsafeRuntimeRoleReason(await runtimeRoleFacts(deps.db))
  if (unsafe) {
    if (cfg.isProduction) {
      logger.fatal(`refusing to start: ${unsafe}; row-level security would not protect tenants`)
      process.exit(1)
    }
    logger.warn(`${unsafe}; row-level security would not protect tenants (refused in production)`)
  }
  await deps.boss.start()
  await startMailWorker(deps.boss, deps.db, deps.mail, deps.clock, logger)
  const tenantIds = async () => (await listTenants(deps.db)).map((t) => t.id)
  await scheduleFileSweep(deps.boss, deps.db, deps.files, deps.clock, tenantIds, logger)
  const now = () => deps.clock.now()
  for (const sweep of [SUBMISSION_SWEEP, LIVE_EVENT_SWEEP])
    await scheduleSweep(deps.boss, sweep, deps.db, now, tenantIds)

  for (const mod of MODULES) await mod.start?.(deps)
  // In development the utilities' back-office systems are simulated beside the portal (the
  // `ru` demo's AMR head-end); one already running there (`npm run simulator`) is used as is.
  const simulator =
    cfg.env === 'development' && !cfg.simulatorUrl ? await startDevSimulator(logger) : undefined

  const app = createApp(deps)
  const server: Server = app.listen(cfg.port, () => {
    logger.info({ port: cfg.port }, 'kabinet listening')
    if (!cfg.isProduction) printDevelopmentBanner(cfg.port, demoLogins, !deps.mail.transport)
  })
  server.keepAliveTimeout = 65_000

  let stopping = false
  const shutdown = (signal: string) => {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'shutting down: not ready, finishing in-flight requests')
    // Readiness turns 503 and every response closes its connection, but the listener stays
    // open for the drain period: the balancer stops sending, and a request that was already
    // on its way (or on a kept-alive connection) is answered instead of reset.
    deps.lifecycle.shuttingDown = true
    const force = setTimeout(() => process.exit(1), cfg.shutdownDrainMs + 25_000).unref()
    setTimeout(() => {
      // Live streams never end by themselves: they are closed (browsers reconnect to
      // another process), so the server can stop accepting and finish.
      deps.live.close()
      simulator?.close()
      server.close(() => {
        void (async () => {
          await closeDeps(deps)
          await database.embedded?.stop()
          clearTimeout(force)
          logger.info('stopped')
          process.exit(0)
        })()
      })
    }, cfg.shutdownDrainMs)
  }
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => shutdown(signal))
}

async function startDevSimulator(logger: ReturnType<typeof createLogger>) {
  try {
    return (await startSimulator(SIMULATOR_PORT)).server
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err
    logger.info({ port: SIMULATOR_PORT }, 'a back-office simulator is already running')
    return undefined
  }
}

async function withOwner<T>(url: string, fn: (db: ReturnType<typeof createKnex>) => Promise<T>): Promise<T> {
  const db = createKnex(url, { poolMax: 2, queryTimeoutMs: 0 })
  try {
    return await fn(db)
  } finally {
    await db.destroy()
  }
}

function printDevelopmentBanner(
  port: number,
  logins: Awaited<ReturnType<typeof seedDemo>>,
  devMailbox: boolean,
): void {
  const lines = ['', `Kabinet is running: http://localhost:${port} lists the demo portals.`, '']
  for (const l of logins) {
    lines.push(
      `  ${l.tenant}`,
      `    ${l.url}/`,
      `    customer: ${l.customerEmail} / ${l.customerPassword}`,
      `    staff:    ${l.email} / ${l.password}  (${l.url}/admin/login)`,
      `              TOTP secret ${l.totpSecret} (add it to an authenticator app)`,
      ...l.notes.map((note) => `    ${note}`),
    )
    if (devMailbox) lines.push(`    mailbox: ${l.url}/dev/mailbox`)
  }
  lines.push('')
  process.stdout.write(lines.join('\n') + '\n')
}

// A crash leaves the process in a state nobody reasoned about: say what happened and exit 1
// so the process manager restarts it (the embedded database stops with the process).
for (const event of ['uncaughtException', 'unhandledRejection'] as const)
  process.on(event, (err: unknown) => {
    console.error(`Kabinet stopped on an unexpected error (${event}):`, err)
    process.exit(1)
  })

try {
  await main()
} catch (err) {
  console.error(startupFailure(err))
  process.exit(1)
}
