import { randomInt } from 'node:crypto'
import { hashToken } from './tokens.ts'

// Crockford's base32: 32 symbols, no I, L, O or U, so 12 of them carry 60 bits and a
// misread O/0 or I/1 still matches.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'

/** A token a person can type from an email: `XXXX-XXXX-XXXX`, 60 random bits. */
export function newTypedToken(): string {
  const chars = Array.from({ length: 12 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('')
  return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8)}`
}

/** What the person typed, in canonical form, or undefined when it cannot be a token. */
export function normaliseTypedToken(typed: string): string | undefined {
  const canonical = typed.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1')
  return /^[0-9A-HJKMNP-TV-Z]{12}$/.test(canonical) ? canonical : undefined
}

export function hashTypedToken(typed: string): string | undefined {
  const canonical = normaliseTypedToken(typed)
  return canonical ? hashToken(canonical) : undefined
}

/** `j***@e***.com`: enough for the owner to recognise, too little to harvest. */
export function maskEmail(email: string): string {
  const [local = '', domain = ''] = email.split('@')
  const dot = domain.lastIndexOf('.')
  const host = dot > 0 ? domain.slice(0, dot) : domain
  const tld = dot > 0 ? domain.slice(dot) : ''
  return `${local.slice(0, 1)}***@${host.slice(0, 1)}***${tld}`
}
