import type { Knex } from 'knex'
import type { RequestContext } from '../context.ts'
import type { Outbox } from './outbox.ts'
import { isLocale } from '../i18n/locales.ts'

/** A link into this tenant's portal: always its configured base URL, never the request's Host. */
export function portalLink(ctx: RequestContext, path: string): string {
  return `${ctx.tenant.settings.publicBaseUrl}${path}`
}

/** Emails a customer in their chosen language, else the language of the request that caused it. */
export async function mailCustomer(
  trx: Knex.Transaction,
  outbox: Outbox,
  ctx: RequestContext,
  customer: { email: string; preferred_locale: string | null },
  template: string,
  params: Record<string, unknown>,
  to = customer.email,
): Promise<void> {
  const locale = isLocale(customer.preferred_locale) ? customer.preferred_locale : ctx.locale
  await outbox.enqueue(trx, ctx.tenant, {
    to,
    template,
    locale,
    params: { tenant: ctx.tenant.settings.name, ...params },
  })
}
