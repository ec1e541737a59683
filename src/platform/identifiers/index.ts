import { isValidResidentId, isValidUscc } from './cn.ts'
import { isValidNip, isValidPesel, isValidRegon } from './pl.ts'
import { isValidInn, isValidKpp, isValidOgrn, isValidOgrnip, isValidSnils } from './ru.ts'

/** Identifiers a tenant may ask for on a party (organisation or person), with their checks. */
export const IDENTIFIERS = {
  'pl.nip': isValidNip,
  'pl.regon': isValidRegon,
  'pl.pesel': isValidPesel,
  'ru.inn': isValidInn,
  'ru.ogrn': isValidOgrn,
  'ru.ogrnip': isValidOgrnip,
  'ru.kpp': isValidKpp,
  'ru.snils': isValidSnils,
  'cn.uscc': isValidUscc,
  'cn.residentId': isValidResidentId,
} as const satisfies Record<string, (value: string) => boolean>

export type IdentifierKind = keyof typeof IDENTIFIERS

/** The stored form: separators and the PL country prefix removed, letters upper-cased. */
export function normaliseIdentifier(kind: IdentifierKind, value: string): string {
  const upper = value.trim().toUpperCase().replace(/[\s-]/g, '')
  return kind === 'pl.nip' ? upper.replace(/^PL/, '') : upper
}

export {
  isValidInn,
  isValidKpp,
  isValidNip,
  isValidOgrn,
  isValidOgrnip,
  isValidPesel,
  isValidRegon,
  isValidResidentId,
  isValidSnils,
  isValidUscc,
}
