import type { RequestHandler } from 'express'
import { formattersFor } from '../platform/format.ts'
import { negotiateLocale, type I18n } from '../platform/i18n/index.ts'
import { isLocale } from '../platform/i18n/locales.ts'
import { selfPath } from './redirect.ts'

export const LOCALE_COOKIE = 'lang'

/**
 * `?lang=xx` (the language switcher's plain links, so it works without JavaScript)
 * records the choice in a cookie; otherwise cookie > Accept-Language > tenant default.
 */
export function setUpLocale(i18n: I18n, secureCookies: boolean): RequestHandler {
  return (req, res, next) => {
    const tenant = res.locals.tenant
    const asked = req.query.lang
    if (isLocale(asked)) {
      res.cookie(LOCALE_COOKIE, asked, {
        maxAge: 365 * 24 * 3600 * 1000,
        httpOnly: true,
        sameSite: 'lax',
        secure: secureCookies,
        path: '/',
      })
    }
    const cookies = req.cookies as Record<string, string | undefined>
    const locale = negotiateLocale(
      isLocale(asked) ? asked : cookies[LOCALE_COOKIE],
      req.acceptsLanguages(),
      tenant?.settings.defaultLocale ?? 'en',
    )
    res.locals.locale = locale
    res.locals.t = i18n.t(locale)
    res.locals.fmt = formattersFor(locale, tenant?.settings.timeZone ?? 'UTC')
    res.locals.currentPath = selfPath(req.path)
    next()
  }
}
