import { readFileSync } from 'node:fs'
import path from 'node:path'
import i18next, { type TFunction } from 'i18next'
import { LOCALES, isLocale, type Locale } from './locales.ts'

export type { TFunction }
export type Catalogue = Record<string, unknown>

export function loadCatalogue(locale: Locale): Catalogue {
  const file = path.join(import.meta.dirname, 'locales', `${locale}.json`)
  return JSON.parse(readFileSync(file, 'utf8')) as Catalogue
}

export interface I18n {
  t(locale: Locale): TFunction
}

/** One i18next instance per app; a request takes a fixed-locale `t` from it. */
export async function createI18n(): Promise<I18n> {
  const instance = i18next.createInstance()
  await instance.init({
    resources: Object.fromEntries(LOCALES.map((l) => [l, { translation: loadCatalogue(l) }])),
    supportedLngs: [...LOCALES],
    fallbackLng: 'en',
    load: 'currentOnly',
    interpolation: { escapeValue: false },
    returnNull: false,
  })
  return { t: (locale) => instance.getFixedT(locale) }
}

/**
 * The user's explicit choice wins, then the browser's languages in their order of
 * preference (matching on the primary subtag, so `pl-PL` finds `pl` and `zh` finds
 * `zh-CN`), then the tenant's default.
 */
export function negotiateLocale(
  choice: unknown,
  acceptLanguages: readonly string[],
  tenantDefault: Locale,
): Locale {
  if (isLocale(choice)) return choice
  for (const tag of acceptLanguages) {
    const exact = LOCALES.find((l) => l.toLowerCase() === tag.toLowerCase())
    if (exact) return exact
    const primary = tag.split('-')[0]?.toLowerCase()
    const byPrimary = LOCALES.find((l) => l.split('-')[0]?.toLowerCase() === primary)
    if (byPrimary) return byPrimary
  }
  return tenantDefault
}
