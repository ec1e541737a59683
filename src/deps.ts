import type { Knex } from 'knex'
import nodemailer from 'nodemailer'
import type pg from 'pg'
import type { Logger } from 'pino'
import type { PgBoss } from 'pg-boss'
import type { Config } from './config.ts'
import { createKnex, createPgPool } from './db/knex.ts'
import { createMetrics, type Lifecycle, type Metrics } from './http/health.ts'
import { TENANT_CHANGED, createTenantDirectory, type TenantDirectory } from './platform/tenancy/directory.ts'
import { SCHEMA_CHANGED, schemaChanged } from './db/statements.ts'
import { createListener, type Listener } from './db/listener.ts'
import {
  REFERENCE_CHANGED,
  createReferenceCache,
  type ReferenceCache,
} from './platform/tenancy/reference-cache.ts'
import { createLiveHub, type LiveHub } from './http/live.ts'
import { systemClock, type Clock } from './platform/clock.ts'
import { localDiskStorage, type FileStorage } from './platform/files/storage.ts'
import { createI18n, type I18n, type Namespace } from './platform/i18n/index.ts'
import { createDomainEvents, type DomainEvents } from './platform/events.ts'
import { createBoss } from './platform/jobs.ts'
import { createOutbox, type Outbox } from './platform/mail/outbox.ts'
import { createMailRenderer } from './platform/mail/render.ts'
import type { MailDelivery } from './platform/mail/worker.ts'

export interface Deps {
  config: Config
  logger: Logger
  /** Runtime role: every tenant query goes through withTenant(db, ...). */
  db: Knex
  /** Runtime role, for libraries that take a pg pool (sessions, rate limits). */
  pool: pg.Pool
  boss: PgBoss
  i18n: I18n
  tenants: TenantDirectory
  /** Per-tenant reference data (application types) cached in this process. */
  reference: ReferenceCache
  /** This process's one LISTEN connection (cache invalidation, live updates). */
  listener: Listener
  /** Live updates: SSE streams fed from the listener. */
  live: LiveHub
  outbox: Outbox
  mail: MailDelivery
  files: FileStorage
  clock: Clock
  lifecycle: Lifecycle
  metrics: Metrics
  /** Modules' events to each other, delivered in the emitting transaction. */
  events: DomainEvents
}

export interface DepsOptions {
  databaseUrl: string
  logger: Logger
  clock?: Clock
  /** How often live streams' sessions are re-checked (tests shorten it). */
  liveRecheckMs?: number
  /** How long a host's tenant is kept without a change being heard of (default 30 s). */
  tenantTtlMs?: number
  /**
   * The modules' catalogues (`moduleNamespaces()` of the registry): passed in, so building
   * the dependencies does not depend on every feature module.
   */
  namespaces: readonly Namespace[]
}

/** Builds every dependency once; the app and the workers receive them, nothing imports them. */
export async function createDeps(config: Config, options: DepsOptions): Promise<Deps> {
  const { logger } = options
  const onPoolError = (err: Error) => logger.warn({ err }, 'database connection error')
  const db = createKnex(options.databaseUrl, {
    log: (level, message) => logger[level]({ knex: message }, 'database'),
  })
  const pool = createPgPool(options.databaseUrl, onPoolError)
  const boss = createBoss(options.databaseUrl, (err) => logger.warn({ err }, 'job queue error'))
  const i18n = await createI18n({
    strict: config.env === 'test',
    namespaces: options.namespaces,
  })
  const tenants = createTenantDirectory(db, options.tenantTtlMs)
  const listener = createListener(options.databaseUrl, {
    onError: (err) => logger.warn({ err }, 'notification listener connection lost'),
  })
  // Settings saved by any process reach this one at once; after a lost connection the
  // whole cache goes, since changes made meanwhile were not heard.
  await listener.listen(
    TENANT_CHANGED,
    () => tenants.invalidate(),
    () => tenants.invalidate(),
  )
  // After a migration (or a lost connection, which may have missed one) the pool lets its
  // connections go as they come back: their prepared statements may predate it.
  await listener.listen(SCHEMA_CHANGED, schemaChanged, schemaChanged)
  const reference = createReferenceCache()
  await listener.listen(
    REFERENCE_CHANGED,
    (payload) => reference.changed(payload),
    () => reference.clear(),
  )
  const live = createLiveHub(db, listener, { recheckMs: options.liveRecheckMs })
  await live.start()
  return {
    config,
    logger,
    db,
    pool,
    boss,
    i18n,
    tenants,
    reference,
    listener,
    live,
    outbox: createOutbox(boss, createMailRenderer(i18n)),
    mail: {
      transport: config.smtpUrl ? nodemailer.createTransport(config.smtpUrl) : undefined,
      from: config.mailFrom,
      messageIdDomain: config.mailFrom.split('@')[1] ?? 'kabinet.localhost',
    },
    files: localDiskStorage(config.filesDir),
    clock: options.clock ?? systemClock,
    lifecycle: { shuttingDown: false },
    metrics: createMetrics(),
    events: createDomainEvents(),
  }
}

export async function closeDeps(deps: Deps): Promise<void> {
  deps.live.close()
  await deps.listener.close()
  await deps.boss.stop({ graceful: true, timeout: 10_000 }).catch(() => {})
  deps.mail.transport?.close()
  await deps.pool.end().catch(() => {})
  await deps.db.destroy()
}
