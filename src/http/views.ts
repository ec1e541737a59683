import path from 'node:path'
import type { Express } from 'express'
import nunjucks from 'nunjucks'

import { VIEWS_DIR } from '../platform/paths.ts'
import { formatPhone } from '../platform/phone.ts'
import type { Locale } from '../platform/i18n/locales.ts'
import { tenantText } from '../platform/tenancy/texts.ts'
import { assetUrl } from './assets.ts'
import { ComponentLoader, componentRenderer } from './components.ts'
import { markup } from './markup.ts'
import type { KabinetModule } from '../module.ts'
const GOVUK_DIR = path.resolve(import.meta.dirname, '../../node_modules/govuk-frontend/dist')

/**
 * Nunjucks with autoescape. Nothing request-specific is ever added as a global: globals
 * are shared by every request and tenant, so per-request values go in res.locals.
 */
export function setUpViews(app: Express): nunjucks.Environment {
  // Templates are compiled once per process, in development too: `npm run dev` restarts
  // the process when a view changes. Recompiling on every request (as before) cost 300–500
  // ms a page, which made the demo slow and the browser journeys race their time limits.
  const env = new nunjucks.Environment(
    [
      new ComponentLoader(GOVUK_DIR),
      new nunjucks.FileSystemLoader([VIEWS_DIR, GOVUK_DIR], { noCache: false }),
    ],
    { autoescape: true, throwOnUndefined: false },
  )
  env.express(app)
  env.addGlobal('renderComponent', componentRenderer(env))
  app.set('view engine', 'njk')
  app.set('views', VIEWS_DIR)
  /**
   * Looks up one field's message in a list of form errors (GOV.UK pattern), with the
   * screen-reader prefix ("Error:") in the page's language rather than GOV.UK's English.
   */
  env.addFilter(
    'findError',
    function (
      this: { ctx: { t?: (key: string) => string } },
      errors: { field: string; text: string }[] | undefined,
      field: string,
    ) {
      const hit = errors?.find((e) => e.field === field)
      return hit ? { text: hit.text, visuallyHiddenText: this.ctx.t?.('layout.errorPrefix') } : undefined
    },
  )
  env.addFilter('phone', formatPhone)
  /**
   * A tenant text (a type's name, a field's label) for this page's reader, marked with its
   * language when it is a fallback. A filter rather than a macro: lists call it on every
   * row, and a Nunjucks macro call costs several microseconds more (the queue's 50 rows
   * took twice as long with two macros each).
   */
  env.addFilter(
    'localText',
    (
      texts: Partial<Record<Locale, string>> | undefined,
      reader: Locale,
      tenant: { settings: { defaultLocale: Locale } },
    ) => {
      const text = tenantText(texts ?? {}, reader, tenant.settings.defaultLocale)
      if (!text) return ''
      return text.lang ? markup`<span lang="${text.lang}">${text.text}</span>` : text.text
    },
  )
  // Not request-specific: the same hashed address for everyone.
  env.addGlobal('asset', assetUrl)
  return env
}

/** The modules' view helpers as globals; a name already taken (by the portal or another module) stops the start. */
export function addViewHelpers(
  env: nunjucks.Environment,
  modules: readonly Pick<KabinetModule, 'name' | 'viewHelpers'>[],
): void {
  const taken = (name: string) => {
    try {
      return env.getGlobal(name) !== undefined
    } catch {
      return false
    }
  }
  for (const mod of modules)
    for (const [name, helper] of Object.entries(mod.viewHelpers ?? {})) {
      if (taken(name)) throw new Error(`view helper ${name} of module ${mod.name}: the name is taken`)
      env.addGlobal(name, helper)
    }
}
