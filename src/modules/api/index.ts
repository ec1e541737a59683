import path from 'node:path'
import { Router } from 'express'
import type { Logger } from 'pino'
import type { ZodOpenApiPathsObject } from 'zod-openapi'
import type { Deps } from '../../deps.ts'
import { apiErrors, problem, type ApiResources } from '../../http/api.ts'
import { docsRoutes } from './docs.ts'
import type { KabinetModule } from '../../module.ts'
import { apiGate } from './gate.ts'
export { idempotent } from './idempotency.ts'
import { openApiDocument } from './openapi.ts'
import { remindAllTokens, TOKEN_REMINDER_CRON, TOKEN_REMINDER_QUEUE } from './reminders.ts'
import { tokenRoutes } from './routes.ts'
import { recordAccountEvent, WEBHOOK_SWEEP } from './webhooks.service.ts'
import { deliverWebhook, WEBHOOK_QUEUE, type DeliveryJob } from './webhooks/deliver.ts'
import { scheduleSweep } from '../../platform/jobs.ts'
import { listTenants } from '../../platform/tenancy/repo.ts'
import { webhookRoutes } from './webhooks.routes.ts'
import { createApiServices } from './services.ts'

/**
 * The public JSON API (issue 22): tokens under the profile, the gate in front of `/api`,
 * and the OpenAPI document. Resources live in their own modules (`api` in the module kit)
 * and call the same services as the pages.
 */
export const apiModule: KabinetModule = {
  name: 'api',
  owns: {
    tables: [
      'api_tokens',
      'api_idempotency_keys',
      'webhook_endpoints',
      'webhook_deliveries',
      'webhook_attempts',
    ],
  },
  catalogues: path.join(import.meta.dirname, 'locales'),
  queues: [TOKEN_REMINDER_QUEUE, WEBHOOK_QUEUE, WEBHOOK_SWEEP.queue],
  // What happens in an account's affairs becomes a delivery to its endpoints, in the same transaction.
  subscribe(deps) {
    deps.events.on('account.changed', 'api', (trx, ctx, event) => recordAccountEvent(deps, trx, ctx, event))
  },
  async start(deps) {
    await deps.boss.schedule(TOKEN_REMINDER_QUEUE, TOKEN_REMINDER_CRON)
    await deps.boss.work(TOKEN_REMINDER_QUEUE, async () => {
      const sent = await remindAllTokens(deps)
      if (sent) deps.logger.info({ sent }, 'sent API token expiry reminders')
    })
    // A few receivers at once (one slow receiver must not hold up everybody's deliveries),
    // looked for every second: a webhook is worth having for being prompt.
    await deps.boss.work<DeliveryJob>(
      WEBHOOK_QUEUE,
      { batchSize: 4, pollingIntervalSeconds: 1 },
      async (jobs) => {
        await Promise.all(jobs.map((job) => deliverWebhook(deps, job.data)))
      },
    )
    await scheduleSweep(
      deps.boss,
      WEBHOOK_SWEEP,
      deps.db,
      () => deps.clock.now(),
      async () => (await listTenants(deps.db)).map((t) => t.id),
    )
  },
  routes(deps, modules) {
    const document = openApiDocument(pathsOf(resourcesOf(deps, modules)), deps.config.api)
    const services = createApiServices(deps)
    return Router().use(tokenRoutes(deps, services), webhookRoutes(deps, services), docsRoutes(document))
  },
}

const built = new WeakMap<Deps, ApiResources[]>()
/** Each module's resources, built once per app (the gate and the docs page share them). */
function resourcesOf(deps: Deps, modules: readonly KabinetModule[]): ApiResources[] {
  let resources = built.get(deps)
  if (!resources) {
    resources = modules.flatMap((m) => (m.api ? [m.api(deps)] : []))
    built.set(deps, resources)
  }
  return resources
}

function pathsOf(resources: readonly ApiResources[]): ZodOpenApiPathsObject {
  const paths: ZodOpenApiPathsObject = {}
  for (const r of resources) Object.assign(paths, r.paths)
  return paths
}

/**
 * Everything under `/api` (resources name their whole path), mounted before sessions, forms
 * and CSRF: the document (open to all), then the gate, each module's resources, and problem
 * documents for the rest.
 */
export function publicApi(deps: Deps, modules: readonly KabinetModule[], logger: Logger): Router {
  const resources = resourcesOf(deps, modules)
  const document = openApiDocument(pathsOf(resources), deps.config.api)
  const router = Router()
  router.get('/api/v1/openapi.json', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').json(document)
  })
  router.use(
    '/api',
    apiGate(
      deps,
      resources.flatMap((r) => r.largeBodies ?? []),
    ),
  )
  for (const r of resources) router.use(r.router)
  router.use('/api', (_req, res) => problem(res, 404, 'notFound'))
  router.use('/api', apiErrors(logger))
  return router
}
