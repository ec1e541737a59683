import { describe, expect, it } from 'vitest'
import {
  MissingTranslationError,
  createI18n,
  loadCatalogue,
  negotiateLocale,
  type Catalogue,
} from '../../src/platform/i18n/index.ts'
import { LOCALES, type Locale } from '../../src/platform/i18n/locales.ts'
import { moduleNamespaces } from '../../src/registry.ts'

const PLURAL = /_(zero|one|two|few|many|other)$/

function keys(catalogue: Catalogue, prefix = ''): string[] {
  return Object.entries(catalogue).flatMap(([k, v]) =>
    typeof v === 'object' && v !== null ? keys(v as Catalogue, `${prefix}${k}.`) : [`${prefix}${k}`],
  )
}

/** The platform's catalogue with every module's namespace, as the app loads it. */
const full = (locale: Locale) => loadCatalogue(locale, moduleNamespaces())

describe('catalogues', () => {
  const english = keys(full('en'))
  const singular = english.filter((k) => !PLURAL.test(k))
  const pluralBases = [...new Set(english.filter((k) => PLURAL.test(k)).map((k) => k.replace(PLURAL, '')))]

  it.each(LOCALES.filter((l) => l !== 'en'))('%s has every key that en has', (locale) => {
    const own = new Set(keys(full(locale)))
    expect(singular.filter((k) => !own.has(k))).toEqual([])
  })

  it.each(LOCALES)('%s has every CLDR plural form its language needs', (locale) => {
    const own = new Set(keys(full(locale)))
    const categories = new Intl.PluralRules(locale).resolvedOptions().pluralCategories
    const missing = pluralBases
      .flatMap((base) => categories.map((c) => `${base}_${c}`))
      .filter((k) => !own.has(k))
    expect(missing).toEqual([])
  })

  it('gives each module its own namespace, which may not overlay a platform key', () => {
    const namespaces = moduleNamespaces()
    expect(namespaces.map((n) => n.name)).toContain('audit')
    expect(keys(full('en'))).toContain('audit.title')
    expect(() => loadCatalogue('en', [{ name: 'admin', dir: namespaces[0]!.dir }])).toThrow(/already taken/)
  })

  it('has no empty messages', () => {
    for (const locale of LOCALES) {
      const flat = (c: Catalogue): unknown[] =>
        Object.values(c).flatMap((v) => (typeof v === 'object' ? flat(v as Catalogue) : [v]))
      expect(flat(full(locale)).filter((v) => typeof v !== 'string' || v.trim() === '')).toEqual([])
    }
  })

  it('chooses Polish and Russian plural forms by CLDR rules', async () => {
    const i18n = await createI18n()
    const pl = i18n.t('pl')
    expect(pl('home.servicesCount', { count: 1 })).toBe('Dostępna jest 1 usługa online.')
    expect(pl('home.servicesCount', { count: 3 })).toBe('Dostępne są 3 usługi online.')
    expect(pl('home.servicesCount', { count: 5 })).toBe('Dostępnych jest 5 usług online.')
    expect(pl('home.servicesCount', { count: 22 })).toBe('Dostępne są 22 usługi online.')
    const ru = i18n.t('ru')
    expect(ru('home.servicesCount', { count: 21 })).toBe('Онлайн доступна 21 услуга.')
    expect(ru('home.servicesCount', { count: 2 })).toBe('Онлайн доступны 2 услуги.')
    expect(ru('home.servicesCount', { count: 11 })).toBe('Онлайн доступно 11 услуг.')
    expect(i18n.t('zh-CN')('home.servicesCount', { count: 2 })).toBe('可在线办理 2 项服务。')
  })
})

describe('negotiateLocale', () => {
  it('prefers the explicit choice, then Accept-Language, then the tenant default', () => {
    expect(negotiateLocale('ru', ['pl'], 'en')).toBe('ru')
    expect(negotiateLocale(undefined, ['de', 'pl-PL', 'en'], 'ru')).toBe('pl')
    expect(negotiateLocale(undefined, ['zh'], 'en')).toBe('zh-CN')
    expect(negotiateLocale('xx', ['de'], 'ru')).toBe('ru')
  })
})

describe('strict translations (tests)', () => {
  it('turn a key missing from the reader’s catalogue into an error, and leave real keys alone', async () => {
    const strict = await createI18n({ strict: true })
    expect(strict.t('pl')('home.title')).toBe('Portal klienta')
    expect(() => strict.t('ru')('no.such.key')).toThrow(MissingTranslationError)
    const lenient = await createI18n()
    expect(lenient.t('ru')('no.such.key')).toBe('no.such.key')
  })
})

describe('remembered translations', () => {
  it('tell apart the values of their options: each count keeps its own plural form, asked in any order', async () => {
    const t = (await createI18n({ namespaces: moduleNamespaces() })).t('pl')
    const expected: [number, string][] = [
      [1, '1 nowa'],
      [3, '3 nowe'],
      [5, '5 nowych'],
      [22, '22 nowe'],
      [1, '1 nowa'],
      [5, '5 nowych'],
    ]
    for (const [count, text] of expected) expect(t('applications.list.unread', { count })).toBe(text)
    expect(t('layout.footerSupport', { email: 'a@example.pl' })).toContain('a@example.pl')
    expect(t('layout.footerSupport', { email: 'b@example.pl' })).toContain('b@example.pl')
    expect(t('layout.footerSupport', { email: 'b@example.pl' })).not.toContain('a@example.pl')
  })
})
