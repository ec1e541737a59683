import cookieParser from 'cookie-parser'
import express from 'express'
import type { SessionData, Store } from 'express-session'
import type { Deps } from './deps.ts'
import { setUpCsrf } from './http/csrf.ts'
import { errorHandler, notFound } from './http/errors.ts'
import { takeFlash } from './http/flash.ts'
import { formBodiesOnly } from './http/body.ts'
import { healthRoutes } from './http/health.ts'
import { setUpLocale } from './http/locale.ts'
import { requestIdOf, requestLogger } from './http/logging.ts'
import { securityHeaders } from './http/security-headers.ts'
import { setUpSession } from './http/session.ts'
import { resolveTenant } from './http/tenant.ts'
import { publicFiles } from './http/assets.ts'
import { readScopes } from './http/read-scope.ts'
import { addViewHelpers, setUpViews } from './http/views.ts'
import { devIndexRoutes, devMailboxRoutes } from './modules/dev/routes.ts'
import { staffOnlyByDefault } from './modules/operators/index.ts'
import { customersOnlyByDefault, loadCustomer } from './modules/accounts/index.ts'
import { publicApi } from './modules/api/index.ts'
import { apiHostErrors } from './http/api.ts'
import type { KabinetModule } from './module.ts'
import { adminNavigation, MODULES } from './registry.ts'
import { LOCALE_NAMES } from './platform/i18n/locales.ts'
import { effectiveMinLength } from './platform/passwords.ts'
import { newSubmissionId } from './platform/submissions.ts'
import { tenantText } from './platform/tenancy/texts.ts'

/**
 * The middleware order is the request flow of ARCHITECTURE.md: health (no tenant) →
 * headers → static → tenant → locale → body → session → csrf → modules → 404 → errors.
 */
export interface AppOptions {
  /** Wraps the session store (tests make its writes slow to prove nothing races them). */
  wrapSessionStore?: (store: Store) => Store
  /** How often an unchanged session is touched in the store (tests shorten the minute). */
  sessionTouchEveryMs?: number
}

export function createApp(
  deps: Deps,
  modules: readonly KabinetModule[] = MODULES,
  options: AppOptions = {},
): express.Express {
  const { config } = deps
  const app = express()
  app.disable('x-powered-by')
  app.set('trust proxy', config.trustProxyHops)
  app.set('env', config.isProduction ? 'production' : 'development')
  // Express turns this on only when NODE_ENV was "production" as the app was made: elsewhere
  // (tests, the bench) each render looked its view up on disk again. Views are compiled
  // once per process everywhere (see setUpViews), so their paths are kept alike.
  app.enable('view cache')
  const views = setUpViews(app)
  views.addGlobal('localeNames', LOCALE_NAMES)
  views.addGlobal('newSubmissionId', newSubmissionId)
  views.addGlobal('adminNav', adminNavigation(modules))
  views.addGlobal('moduleAssets', {
    scripts: modules.flatMap((m) => m.assets?.scripts ?? []),
    styles: modules.flatMap((m) => m.assets?.styles ?? []),
  })
  views.addGlobal('tenantText', tenantText)
  addViewHelpers(views, modules)

  app.use(requestLogger(deps.logger))
  app.use((req, res, next) => {
    res.locals.requestId = requestIdOf(req)
    next()
  })
  app.use(deps.metrics.observe)
  app.use((_req, res, next) => {
    // While draining for shutdown, no connection is kept for another request.
    if (deps.lifecycle.shuttingDown) res.set('Connection', 'close')
    next()
  })
  app.use(healthRoutes(deps.db, deps.lifecycle, deps.metrics, config.metricsToken))
  app.use(securityHeaders({ hsts: config.isProduction }))
  app.use('/public', publicFiles(config.isProduction))
  app.use(cookieParser())
  const locale = setUpLocale(deps.i18n, config.isProduction)
  if (!config.isProduction) app.use(devIndexRoutes(deps.db, locale))

  app.use(resolveTenant(deps.tenants))
  // The public API answers bearer tokens only: it is mounted before anything reads a
  // cookie's language, a form, a session or a CSRF token.
  app.use(publicApi(deps, modules, deps.logger))
  app.use('/api', apiHostErrors(deps.i18n.t('en')))
  app.use(locale)
  app.use(express.urlencoded({ extended: false, limit: '100kb', parameterLimit: 200 }))
  app.use(formBodiesOnly)
  app.use(
    setUpSession({
      pool: deps.pool,
      secret: config.sessionSecret,
      production: config.isProduction,
      clock: deps.clock,
      wrapStore: options.wrapSessionStore,
      touchEveryMs: options.sessionTouchEveryMs,
    }),
  )
  const csrf = setUpCsrf(deps.clock)
  app.use(csrf.provideToken)
  app.use(csrf.protect)
  app.use(takeFlash)
  app.use((req, res, next) => {
    const tenant = res.locals.tenant
    if (tenant) {
      res.locals.ctx = {
        tenant,
        actor: { type: 'anonymous', id: null },
        locale: res.locals.locale,
        requestId: res.locals.requestId,
        ip: req.ip,
      }
      res.locals.minLength = effectiveMinLength(tenant.settings.passwordPolicy)
    }
    next()
  })

  // After the session (its own pool) and before the first tenant read.
  app.use(readScopes(deps.db))
  app.use(loadCustomer(deps))
  for (const mod of modules) if (mod.afterSignIn) app.use(mod.afterSignIn(deps))
  // Any page may show who is signed in (the header): none of them may be cached.
  app.use((req, res, next) => {
    const s = req.session as Partial<SessionData> | undefined
    if (res.locals.customer || s?.operatorId || s?.pendingOperatorId) res.set('Cache-Control', 'no-store')
    next()
  })

  // Closed unless opened: staff areas for staff, account areas for customers.
  app.use('/admin', staffOnlyByDefault(deps))
  app.use(['/account', '/cabinet', '/services'], customersOnlyByDefault())
  for (const mod of modules) mod.subscribe?.(deps)
  for (const mod of modules) if (mod.routes) app.use(mod.routes(deps, modules))
  if (!config.isProduction && !deps.mail.transport) app.use(devMailboxRoutes(deps.db))

  app.use(notFound())
  app.use(errorHandler(deps.i18n, deps.logger))
  return app
}
