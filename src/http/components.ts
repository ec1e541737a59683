import { readFileSync } from 'node:fs'
import path from 'node:path'
import nunjucks from 'nunjucks'

/** How many rendered components a process keeps (a few megabytes at most). */
const KEPT = 2_000
/** Parameters longer than this (a select of hundreds of options) are rendered each time, not kept. */
const LONGEST_KEY = 16_384

/** Nunjucks asks the next loader when one answers null (as its own file loader does); its types leave that out. */
const NOT_MINE = null as unknown as nunjucks.LoaderSource

/**
 * GOV.UK Frontend's components, each rendered once per distinct set of parameters.
 *
 * A component macro is a pure function of its `params` (the components read nothing else
 * of the page), but Nunjucks makes each call expensive: the macro includes its template,
 * which imports the label, hint and error-message macros, each import running its file
 * again, each include copying the page's whole context. A page's filter form of eight
 * fields cost 1.6 ms of a 13 ms staff queue. Pages call them with the same parameters
 * again and again (the same form, the same buttons, per language), so the HTML is kept by
 * its parameters. A call with a body (`{% call %}`) depends on more than its parameters and
 * is rendered every time.
 *
 * Views import `govuk/components/<name>/macro.njk` as GOV.UK documents; this loader answers
 * those names (before the file system does) with a macro of the same name that asks
 * `renderComponent`. The components' own imports of each other are relative, resolve to
 * their files, and are untouched.
 */
export class ComponentLoader extends nunjucks.Loader implements nunjucks.ILoader {
  private readonly componentsDir: string

  constructor(govukDir: string) {
    super()
    this.componentsDir = path.join(govukDir, 'govuk', 'components')
  }

  getSource(name: string): nunjucks.LoaderSource {
    const component = /^govuk\/components\/([a-z-]+)\/macro\.njk$/.exec(name)?.[1]
    if (!component) return NOT_MINE
    const file = path.join(this.componentsDir, component, 'macro.njk')
    const macro = /\{%\s*macro\s+(\w+)\(params\)\s*%\}/.exec(readFileSync(file, 'utf8'))?.[1]
    if (!macro) return NOT_MINE
    return {
      src: `{% macro ${macro}(params) %}{{ renderComponent('${component}', params, caller) }}{% endmacro %}`,
      path: file,
      noCache: false,
    }
  }
}

/** The `renderComponent` global: a component's HTML for these parameters, from memory when it was rendered before. */
export function componentRenderer(env: nunjucks.Environment) {
  const kept = new Map<string, nunjucks.runtime.SafeString>()
  return (component: string, params: unknown, caller: unknown): nunjucks.runtime.SafeString => {
    const template = `govuk/components/${component}/template.njk`
    const render = () => new nunjucks.runtime.SafeString(env.render(template, { params, caller }))
    if (caller) return render()
    const key = `${component}\u0000${JSON.stringify(params) ?? ''}`
    if (key.length > LONGEST_KEY) return render()
    const hit = kept.get(key)
    if (hit) {
      // Most recently used last: the oldest is the first to go.
      kept.delete(key)
      kept.set(key, hit)
      return hit
    }
    const html = render()
    if (kept.size >= KEPT) kept.delete(kept.keys().next().value!)
    kept.set(key, html)
    return html
  }
}
