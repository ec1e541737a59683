import type { RequestHandler, Router } from 'express'
import type { Knex } from 'knex'
import type { Deps } from './deps.ts'
import type { ApiResources } from './http/api.ts'
import type { DefinedModuleSettings } from './platform/tenancy/module-settings.ts'
import type { ServiceCode, TenantSettings } from './platform/tenancy/settings.ts'

/** A link in the staff area's navigation; `adminOnly` hides it from operators without the admin role. */
export interface AdminNavEntry {
  href: string
  /** An i18n key. */
  label: string
  adminOnly?: boolean
}

/** A demo tenant as a module's demo data sees it (written as the owner role, in the tenant's context). */
export interface DemoTenantRef {
  id: string
  slug: string
  /** The demo portal's address, e.g. http://pl.localhost:3000 */
  url: string
  settings: TenantSettings
}

/**
 * Everything a feature brings to the portal, so a new module is written in its own folder
 * and listed once in `registry.ts`: the app, the workers, migrations' job queues, the
 * staff navigation, tenant settings, translations and demo data are assembled from these.
 */
export interface KabinetModule {
  /** Also the i18n namespace: the module's strings are `t('<name>.…')`. */
  name: string
  /** `modules` is every module the app was assembled from (for pages that gather from all). */
  routes?: (deps: Deps, modules: readonly KabinetModule[]) => Router
  /**
   * Runs on every request once the signed-in customer is loaded, before any module's
   * routes: for what changes whom a request is for (acting for another account).
   */
  afterSignIn?: (deps: Deps) => RequestHandler
  /**
   * The module's resources under `/api` (issue 22): routes behind the API module's token
   * gate, described for the OpenAPI document by the zod schemas they parse and answer with.
   */
  api?: (deps: Deps) => ApiResources
  adminNav?: readonly AdminNavEntry[]
  /** pg-boss queues the module sends to or works on; created by `migrate` as the owner. */
  queues?: readonly string[]
  /**
   * Handlers for other modules' events (`deps.events.on(…)`), registered when the app is
   * assembled; they run inside the emitting transaction.
   */
  subscribe?: (deps: Deps) => void
  /** Workers and schedules, started once per process after the job queue. */
  start?: (deps: Deps) => Promise<void>
  /** The module's part of the tenant settings, stored under `settings.modules[name]`. */
  settings?: DefinedModuleSettings
  /** A directory holding `<locale>.json` for each locale: the module's own catalogue. */
  catalogues?: string
  /**
   * The tables only this module's code names, and the views it defines for other modules'
   * lists (documented in its CONTEXT.md): others read its data through its index.ts or those
   * views, never its tables (test/integration/module-boundaries.test.ts).
   */
  owns?: { tables: readonly string[]; views?: readonly string[] }
  /**
   * The service (of the tenant settings' SERVICE_CODES) this module serves at
   * `/services/<code>`; a service no module claims shows the services module's placeholder.
   */
  service?: ServiceCode
  /**
   * The module's own script and stylesheet under /public (e.g. `js/modules/x.js`,
   * `css/modules/x.css`, compiled from `public/scss/modules/x.scss`): every page links them,
   * after the portal's own.
   */
  assets?: { scripts?: readonly string[]; styles?: readonly string[] }
  /**
   * Functions every view may call, such as a status tag that lists show on each row (a call
   * of a function costs a fraction of a Nunjucks macro's). Their names are global to all
   * views, so they start with the module's name; a clash stops the app from starting.
   */
  viewHelpers?: Readonly<Record<string, (...args: never[]) => unknown>>
  /**
   * Demo data for one demo tenant (development only), safe to run at every start; returns
   * lines for the development banner (such as tokens to try), if any.
   */
  demo?: (owner: Knex, tenant: DemoTenantRef) => Promise<string[] | void>
}
