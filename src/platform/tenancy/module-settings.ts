import type { z } from 'zod'
import type { Tenant } from './settings.ts'

/**
 * A module's part of the tenant settings: its own zod schema (with a default for every
 * field, so a tenant that never saved the part still has one), the form section that
 * edits it on the settings page, and how that section's posted fields become input.
 * Stored under `settings.modules[name]`; validated with the rest of the settings on save.
 */
export interface ModuleSettingsPart<S = unknown> {
  name: string
  schema: z.ZodType<S>
  /**
   * A template rendering the section's fields from `m` (the part's values) and `errors`;
   * a field's id is its path in the schema joined by `_` (`access.pgb` → `access_pgb`).
   */
  view: string
  fromForm(body: Record<string, unknown>): unknown
}

/** A module's settings part with a typed, cached reader of a tenant's values. */
export interface DefinedModuleSettings<S = unknown> extends ModuleSettingsPart<S> {
  of(tenant: Tenant): S
}

export function defineModuleSettings<S>(part: ModuleSettingsPart<S>): DefinedModuleSettings<S> {
  const cache = new WeakMap<object, S>()
  return {
    ...part,
    of(tenant) {
      const stored = tenant.settings.modules[part.name] ?? {}
      let values = cache.get(tenant.settings)
      if (!values) {
        // Saved values were validated; a schema that has grown stricter since falls back
        // to its defaults rather than failing every request of the tenant.
        const parsed = part.schema.safeParse(stored)
        values = parsed.success ? parsed.data : part.schema.parse({})
        cache.set(tenant.settings, values)
      }
      return values
    },
  }
}
