import type { Tenant } from '../modules/tenants/schemas.ts'
import type { Locale } from '../platform/i18n/locales.ts'
import type { TFunction } from '../platform/i18n/index.ts'
import type { Formatters } from '../platform/format.ts'
import type { RequestContext } from './context.ts'
import type { CustomerRow } from '../modules/accounts/repo.ts'

declare global {
  namespace Express {
    interface Locals {
      cspNonce: string
      requestId: string
      tenant?: Tenant
      locale: Locale
      t: TFunction
      fmt: Formatters
      ctx: RequestContext
      csrfToken: () => string
      currentPath: string
      /** The effective minimum password length, for password rules and messages. */
      minLength?: number
      forced?: boolean
      customer?: CustomerRow
      customerName?: string
    }
  }
}

declare module 'express-session' {
  interface SessionData {
    tenantId: string
    createdAt: number
  }
}

export {}
