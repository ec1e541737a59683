import { createHash, timingSafeEqual } from 'node:crypto'
import { Router } from 'express'
import type { Knex } from 'knex'
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { RequestHandler } from 'express'
import { pendingMigrations } from '../db/migrate.ts'

export interface Lifecycle {
  shuttingDown: boolean
}

export interface Metrics {
  registry: Registry
  observe: RequestHandler
}

/** A registry per app instance, so tests can build many apps in one process. */
export function createMetrics(): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method and status',
    labelNames: ['method', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  })
  const errors = new Counter({
    name: 'http_server_errors_total',
    help: 'Responses with status 500 or above',
    registers: [registry],
  })
  return {
    registry,
    observe: (req, res, next) => {
      const end = duration.startTimer({ method: req.method })
      res.on('finish', () => {
        end({ status: String(res.statusCode) })
        if (res.statusCode >= 500) errors.inc()
      })
      next()
    },
  }
}

/**
 * /livez: the process answers. /readyz: it should get traffic — the database answers,
 * its schema is current, and we are not draining for shutdown.
 */
export function healthRoutes(
  db: Knex,
  lifecycle: Lifecycle,
  metrics: Metrics,
  metricsToken: string | undefined,
): Router {
  const router = Router()
  let migrationsCurrent = false
  // These answer before the security headers are set: plain text that must not be sniffed.
  router.use(['/livez', '/readyz', '/metrics'], (_req, res, next) => {
    res.set('X-Content-Type-Options', 'nosniff')
    next()
  })
  router.get('/livez', (_req, res) => {
    res.type('text/plain').send('ok')
  })
  router.get('/readyz', async (_req, res) => {
    res.set('Cache-Control', 'no-store')
    if (lifecycle.shuttingDown) return res.status(503).type('text/plain').send('shutting down')
    try {
      await db.raw('select 1')
      // Once current, the schema stays current for this process's lifetime: only a
      // newer release adds migrations, and it restarts the process.
      if (!migrationsCurrent) migrationsCurrent = (await pendingMigrations(db)).length === 0
      if (!migrationsCurrent) return res.status(503).type('text/plain').send('migrations pending')
      res.type('text/plain').send('ready')
    } catch {
      res.status(503).set('Retry-After', '5').type('text/plain').send('database unavailable')
    }
  })
  // Every tenant's public host reaches this router: the metrics are for the monitoring
  // system only, which presents the token; everyone else finds nothing here.
  router.get('/metrics', async (req, res, next) => {
    if (!metricsToken || !bearerMatches(req.get('authorization'), metricsToken)) return next()
    res.set('Cache-Control', 'no-store')
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics())
  })
  return router
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer (.+)$/i.exec(header ?? '')?.[1]
  if (!given) return false
  const a = createHash('sha256').update(given).digest()
  const b = createHash('sha256').update(token).digest()
  return timingSafeEqual(a, b)
}
