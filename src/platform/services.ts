/** A service function: its dependencies first, then the request context and its input. */
type ServiceFunction<D> = (deps: D, ...args: never) => unknown

export type BoundServices<D, F extends Record<string, ServiceFunction<D>>> = {
  [K in keyof F]: F[K] extends (deps: D, ...args: infer A) => infer R ? (...args: A) => R : never
}

/**
 * A module's services, built once from the app's dependencies: handlers then call
 * `accounts.updateProfile(ctx, …)` and never see the dependency bag. Service functions
 * stay plain functions of (deps, ctx, …), so tests and workers may call them directly.
 */
export function bindServices<D, F extends Record<string, ServiceFunction<D>>>(
  deps: D,
  functions: F,
): BoundServices<D, F> {
  const bound: Record<string, unknown> = {}
  for (const [name, fn] of Object.entries(functions)) {
    bound[name] = (...args: never[]) => (fn as (deps: D, ...rest: never[]) => unknown)(deps, ...args)
  }
  return bound as BoundServices<D, F>
}
