import { LOCALES, type Locale } from '../i18n/locales.ts'

export interface TenantText {
  text: string
  /** Set when the text is not in the reader's language, so the page can mark it with `lang`. */
  lang: Locale | null
}

/**
 * A text the tenant wrote (consent, for instance) for one reader: in the reader's
 * language if the tenant wrote it, else in the tenant's own language, else English,
 * else any; a fallback says which language it is in.
 */
export function tenantText(
  texts: Partial<Record<Locale, string>>,
  reader: Locale,
  tenantDefault: Locale,
): TenantText | null {
  for (const locale of [reader, tenantDefault, 'en' as const, ...LOCALES]) {
    const text = texts[locale]?.trim()
    if (text) return { text, lang: locale === reader ? null : locale }
  }
  return null
}

/** The languages a tenant text is still missing in (shown on the settings page). */
export function missingLanguages(texts: Partial<Record<Locale, string>>): Locale[] {
  return LOCALES.filter((l) => !texts[l]?.trim())
}
