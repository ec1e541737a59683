import { ForbiddenError } from './errors.ts'
import type { Tenant } from './tenancy/settings.ts'
import type { Locale } from './i18n/locales.ts'
import type { Representation } from './representation.ts'

export interface Actor {
  type: 'anonymous' | 'customer' | 'operator' | 'system' | 'platform'
  id: string | null
  /** A signed-in operator's role, as their sign-in loaded it. */
  role?: 'operator' | 'admin'
  /** A customer acting for another account (issue 21): that account's id; `id` is the person. */
  account?: string
  /** How and with what they act for `account`: as its colleague or under a grant (see `requirePermission`). */
  representation?: Representation
}

/** The request is a representative's, acting for another account under a grant (issue 21). */
export const byRepresentative = (ctx: RequestContext): boolean =>
  ctx.actor.account !== undefined && ctx.actor.representation?.via === 'grant'

/**
 * The staff role a service acts with, from the request's own actor (never from an argument
 * a route could get wrong); anyone but a signed-in operator has none.
 */
export function staffRole(ctx: RequestContext): 'operator' | 'admin' {
  if (ctx.actor.type !== 'operator' || !ctx.actor.role) throw new ForbiddenError('staff only')
  return ctx.actor.role
}

/** What a service needs to know about the request, passed explicitly (no globals). */
export interface RequestContext {
  tenant: Tenant
  actor: Actor
  locale: Locale
  requestId: string
  ip: string | undefined
}

/** The context of a job acting for a tenant (no request, no person): audit rows say "system". */
export const systemContext = (tenant: Tenant, job: string): RequestContext => ({
  tenant,
  actor: { type: 'system', id: null },
  locale: tenant.settings.defaultLocale,
  requestId: job,
  ip: undefined,
})
