import type { RequestContext } from './context.ts'
import { requirePermission, type Permission } from './representation.ts'

/** A service function: its dependencies first, then the request context and its input. */
type ServiceFunction<D> = (deps: D, ...args: never) => unknown

export type BoundServices<D, F extends Record<string, ServiceFunction<D>>> = {
  [K in keyof F]: F[K] extends (deps: D, ...args: infer A) => infer R ? (...args: A) => R : never
}

/** What a service needs of a person acting for another account: a permission, or one chosen by its input. */
export type Need<F> = F extends (deps: never, ...args: infer A) => unknown
  ? Permission | ((...args: A) => Permission)
  : never

/**
 * A module's services, built once from the app's dependencies: handlers then call
 * `accounts.updateProfile(ctx, …)` and never see the dependency bag. Service functions
 * stay plain functions of (deps, ctx, …), so tests and workers may call them directly.
 *
 * `needs` is the module's static map of what a person acting for another account must be
 * allowed (issue 21): checked here, before the service runs, for every caller — pages
 * today, the public API later — and not only by the guard in front of the pages. Staff,
 * jobs and people acting for their own account pass.
 */
export function bindServices<D, F extends Record<string, ServiceFunction<D>>>(
  deps: D,
  functions: F,
  needs: { [K in keyof F]?: Need<F[K]> } = {},
): BoundServices<D, F> {
  const bound: Record<string, unknown> = {}
  for (const [name, fn] of Object.entries(functions)) {
    const need = needs[name] as Permission | ((...args: never[]) => Permission) | undefined
    bound[name] = (...args: never[]) => {
      if (need)
        requirePermission(
          args[0] as unknown as RequestContext,
          typeof need === 'function' ? need(...args) : need,
        )
      return (fn as (deps: D, ...rest: never[]) => unknown)(deps, ...args)
    }
  }
  return bound as BoundServices<D, F>
}
