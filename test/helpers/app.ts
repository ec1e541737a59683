import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Writable } from 'node:stream'
import type { Express } from 'express'
import { createApp, type AppOptions } from '../../src/app.ts'
import type { KabinetModule } from '../../src/module.ts'
import { MODULES, moduleNamespaces } from '../../src/registry.ts'
import { loadConfig } from '../../src/config.ts'
import { closeDeps, createDeps, type Deps } from '../../src/deps.ts'
import { createLogger } from '../../src/http/logging.ts'
import { startMailWorker } from '../../src/platform/mail/worker.ts'
import { testClock, type TestClock } from './clock.ts'
import { createTestDatabase, type TestDatabase } from './db.ts'

export interface TestApp {
  app: Express
  deps: Deps
  db: TestDatabase
  clock: TestClock
  /** Every JSON log line the app wrote. */
  logs: string[]
  close(): Promise<void>
}

export interface TestAppOptions {
  env?: Record<string, string>
  modules?: readonly KabinetModule[]
  smtpUrl?: string
  /** Start the pg-boss workers: mail (needs smtpUrl to deliver to the sink) and reset requests. */
  mailWorker?: boolean
  database?: TestDatabase
  app?: AppOptions
  /** How often live streams' sessions are re-checked (default: production's). */
  liveRecheckMs?: number
  /** How long a host's tenant is cached (default: production's 30 s). */
  tenantTtlMs?: number
}

/** The real app with real dependencies on a fresh database; only the clock is ours to move. */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const db = options.database ?? (await createTestDatabase())
  const dir = mkdtempSync(path.join(tmpdir(), 'kabinet-app-'))
  const config = loadConfig({
    NODE_ENV: 'test',
    SESSION_SECRET: 'test-secret-test-secret-test-secret-!!',
    FILES_DIR: path.join(dir, 'files'),
    VAR_DIR: dir,
    LOG_LEVEL: 'info',
    ...(options.smtpUrl ? { SMTP_URL: options.smtpUrl } : {}),
    ...options.env,
  })
  const logs: string[] = []
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(chunk.toString())
      cb()
    },
  })
  const clock = testClock()
  const deps = await createDeps(config, {
    databaseUrl: db.runtimeUrl,
    logger: createLogger(config.logLevel, sink),
    clock,
    namespaces: moduleNamespaces(options.modules ?? MODULES),
    liveRecheckMs: options.liveRecheckMs,
    tenantTtlMs: options.tenantTtlMs,
  })
  // Started as in production, so requests can queue jobs; workers only when asked for.
  await deps.boss.start()
  if (options.mailWorker) {
    await startMailWorker(deps.boss, deps.db, deps.mail, clock, deps.logger, 0.5)
    for (const mod of options.modules ?? MODULES) await mod.start?.(deps)
  }
  const app = createApp(deps, options.modules ?? MODULES, options.app)
  return {
    app,
    deps,
    db,
    clock,
    logs,
    async close() {
      await closeDeps(deps)
      if (!options.database) await db.drop()
    },
  }
}
