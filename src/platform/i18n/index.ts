import { readFileSync } from 'node:fs'
import path from 'node:path'
import i18next, { type TFunction } from 'i18next'
import { boundedMemo } from '../memo.ts'
import { LOCALES, isLocale, type Locale } from './locales.ts'

export type { TFunction }
export type Catalogue = Record<string, unknown>

/** A module's own catalogue: `<dir>/<locale>.json`, read as the keys under `<name>.`. */
export interface Namespace {
  name: string
  dir: string
}

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Catalogue

/** The platform's catalogue for a locale with each module's namespace merged in. */
export function loadCatalogue(locale: Locale, namespaces: readonly Namespace[] = []): Catalogue {
  const catalogue = readJson(path.join(import.meta.dirname, 'locales', `${locale}.json`))
  for (const ns of namespaces) {
    // A namespace may not overlay the platform's keys or another module's: one owner per key.
    if (ns.name in catalogue) throw new Error(`i18n namespace "${ns.name}" is already taken`)
    catalogue[ns.name] = readJson(path.join(ns.dir, `${locale}.json`))
  }
  return catalogue
}

export interface I18n {
  t(locale: Locale): TFunction
}

const MEMO_SIZE = 20_000

/** The memo's key for a call of `t`: the key, with its options when they are plain values only. */
function memoKey(key: string, rest: readonly unknown[]): string | undefined {
  if (rest.length === 0) return key
  const options = rest[0]
  if (rest.length > 1 || typeof options !== 'object' || options === null || Array.isArray(options))
    return undefined
  let memo = key
  for (const [name, value] of Object.entries(options)) {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return undefined
    memo += `\u0000${name}\u0000${typeof value}\u0000${String(value)}`
  }
  return memo
}

/** Thrown in strict mode (tests) for a key a catalogue lacks, so the test that renders it fails. */
export class MissingTranslationError extends Error {}

/**
 * One i18next instance per app; a request takes a fixed-locale `t` from it. `strict`
 * (tests) turns a key missing from the reader's catalogue into an error instead of
 * quietly showing the key or English.
 */
export async function createI18n(
  options: { strict?: boolean; namespaces?: readonly Namespace[] } = {},
): Promise<I18n> {
  const instance = i18next.createInstance()
  await instance.init({
    resources: Object.fromEntries(
      LOCALES.map((l) => [l, { translation: loadCatalogue(l, options.namespaces) }]),
    ),
    supportedLngs: [...LOCALES],
    fallbackLng: 'en',
    load: 'currentOnly',
    interpolation: { escapeValue: false },
    returnNull: false,
    ...(options.strict
      ? {
          saveMissing: true,
          saveMissingTo: 'current' as const,
          missingKeyHandler: (lngs: readonly string[], _ns: string, key: string) => {
            throw new MissingTranslationError(`no "${key}" in ${lngs.join(', ')}`)
          },
        }
      : {}),
  })
  // A page asks for a hundred or so strings: each locale's `t` remembers them (the
  // catalogues never change in a running process) — plain keys, and keys with options of
  // plain values (a count, a name), by their values; a list of 25 rows asks the same plural
  // for each row. Anything else (arrays of keys, objects in the options) goes to i18next
  // every time.
  const fixed = new Map<Locale, TFunction>()
  const remembering = (locale: Locale): TFunction => {
    const t = instance.getFixedT(locale) as unknown as (...a: unknown[]) => string
    // The plain keys are bounded by the catalogue; values are not, so the memo is.
    const memo = boundedMemo<string, string>(MEMO_SIZE)
    return ((key: string | string[], ...rest: unknown[]) => {
      const memoKeyOf = typeof key === 'string' ? memoKey(key, rest) : undefined
      return memoKeyOf === undefined ? t(key, ...rest) : memo(memoKeyOf, () => t(key, ...rest))
    }) as unknown as TFunction
  }
  return {
    t: (locale) => {
      let t = fixed.get(locale)
      if (!t) fixed.set(locale, (t = remembering(locale)))
      return t
    },
  }
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
