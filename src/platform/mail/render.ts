import nunjucks from 'nunjucks'
import type { Tenant } from '../tenancy/settings.ts'
import { VIEWS_DIR } from '../paths.ts'
import type { I18n } from '../i18n/index.ts'
import type { Locale } from '../i18n/locales.ts'

export interface RenderedMail {
  subject: string
  text: string
  html: string
}

export type MailRenderer = (
  tenant: Tenant,
  locale: Locale,
  template: string,
  params: Record<string, unknown>,
) => RenderedMail

/**
 * Emails are rendered once, when they are queued, in the recipient's language with the
 * tenant's branding; the outbox keeps exactly what was (or will be) sent. Every message
 * has one shape (views/emails/message.*): catalogue keys mail.<template>.subject, .body
 * (paragraphs split by blank lines) and, when params.link is given, .action for the button.
 * A module's template is named by its own keys ("applications.mail.status"), a platform
 * one by its name under mail. ("enrolment-token").
 */
export function createMailRenderer(i18n: I18n): MailRenderer {
  const loader = new nunjucks.FileSystemLoader(VIEWS_DIR)
  const html = new nunjucks.Environment(loader, { autoescape: true })
  const text = new nunjucks.Environment(loader, { autoescape: false })
  return (tenant, locale, template, params) => {
    const t = i18n.t(locale)
    const keys = template.includes('.') ? template : `mail.${template}`
    const locals = { t, tenant, locale, keys, params, brand: tenant.settings.branding.primaryColour }
    return {
      subject: t(`${keys}.subject`, params),
      text: text.render('emails/message.txt.njk', locals),
      html: html.render('emails/message.html.njk', locals),
    }
  }
}
