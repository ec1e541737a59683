import type { Tenant } from '../platform/tenancy/settings.ts'
import type { Locale } from '../platform/i18n/locales.ts'
import type { TFunction } from '../platform/i18n/index.ts'
import type { Formatters } from '../platform/format.ts'
import type { RequestContext } from '../platform/context.ts'

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
      /** The request carried another tenant's session, which was replaced. */
      foreignSession?: boolean
      /** The service whose pages are being shown (set by requireService). */
      service?: string
      /** Messages from the previous request (see flash.ts), shown once by the layout. */
      flash?: import('./flash.ts').FlashMessage[]
      /** The page whose form this request posts: a domain InvalidFieldError re-renders it (errors.ts). */
      formPage?: { view: string; locals: () => Promise<object> | object }
    }
  }
}

declare module 'express-session' {
  interface SessionData {
    tenantId: string
    createdAt: number
    operatorId: string
    operatorEpoch: number
    /** Password accepted, second factor still to come. */
    pendingOperatorId: string
    /** A TOTP secret being enrolled, kept here until a code from it is confirmed. */
    totpSecret: string
  }
}

export {}
