import type { Knex } from 'knex'
import type { RequestContext } from '../context.ts'
import type { MailAttachment, Outbox } from './outbox.ts'
import { isLocale, type Locale } from '../i18n/locales.ts'
import type { I18n, TFunction } from '../i18n/index.ts'
import { formattersFor, type Formatters } from '../format.ts'

/** A link into this tenant's portal: always its configured base URL, never the request's Host. */
export function portalLink(ctx: RequestContext, path: string): string {
  return `${ctx.tenant.settings.publicBaseUrl}${path}`
}

/** What a message is written with: the reader's language and the tenant's clock. */
export interface MailWriting {
  locale: Locale
  t: TFunction
  fmt: Formatters
  link(path: string): string
}

/** The language a message to `contact` is written in: theirs, else the request's or job's. */
export const mailLocale = (contact: { locale: string | null }, ctx: RequestContext): Locale =>
  isLocale(contact.locale) ? contact.locale : ctx.locale

/**
 * The one way a module writes to a customer about their affairs: in the customer's chosen
 * language (else the language of the request or job that caused it), dates in the
 * tenant's zone, links to the tenant's own portal, through the outbox of the caller's
 * transaction. `params` gets what it needs to word the message in that language, and
 * `attach` may make attachments in it (a receipt).
 */
export async function mailTo(
  trx: Knex.Transaction,
  deps: { outbox: Outbox; i18n: I18n },
  ctx: RequestContext,
  contact: { email: string; locale: string | null },
  template: string,
  params: (writing: MailWriting) => Record<string, unknown>,
  attach?: (writing: MailWriting) => Promise<readonly MailAttachment[]>,
): Promise<void> {
  const locale = mailLocale(contact, ctx)
  const writing: MailWriting = {
    locale,
    t: deps.i18n.t(locale),
    fmt: formattersFor(locale, ctx.tenant.settings.timeZone),
    link: (path) => portalLink(ctx, path),
  }
  await deps.outbox.enqueue(trx, ctx.tenant, {
    to: contact.email,
    template,
    locale,
    params: { tenant: ctx.tenant.settings.name, ...params(writing) },
    attachments: attach ? await attach(writing) : [],
  })
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
  await outbox.enqueue(trx, ctx.tenant, {
    to,
    template,
    locale: mailLocale({ locale: customer.preferred_locale }, ctx),
    params: { tenant: ctx.tenant.settings.name, ...params },
  })
}
