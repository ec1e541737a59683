import type { Tenant } from './tenancy/settings.ts'
import type { Locale } from './i18n/locales.ts'

export interface Actor {
  type: 'anonymous' | 'customer' | 'operator' | 'system' | 'platform'
  id: string | null
}

/** What a service needs to know about the request, passed explicitly (no globals). */
export interface RequestContext {
  tenant: Tenant
  actor: Actor
  locale: Locale
  requestId: string
  ip: string | undefined
}
