import { randomInt } from 'node:crypto'
import { availableParallelism } from 'node:os'
import { BusyError } from './errors.ts'
import { hash as argon2Hash, needsRehash, verify as argon2Verify, type Argon2Options } from './argon2.ts'
import { dictionary } from '@zxcvbn-ts/language-common'
import { PASSWORD_FLOOR, type PasswordPolicy } from './tenancy/settings.ts'

/** OWASP's argon2id minimum (m ≥ 19 MiB, t ≥ 2, p = 1). */
const ARGON2_OPTIONS: Argon2Options = { algorithm: 'argon2id', memory: 19_456, passes: 2, parallelism: 1 }

/** Long enough for passphrases; a bound so that hashing cannot be used to burn CPU. */
export const PASSWORD_MAX = 256

const COMMON = new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()))

export type PasswordProblem = 'tooShort' | 'tooLong' | 'common' | 'context' | 'composition'

export function effectiveMinLength(policy: PasswordPolicy): number {
  return Math.max(policy.minLength, PASSWORD_FLOOR)
}

/** NIST 800-63B: compare and hash the NFKC form, so the same password typed on any keyboard matches. */
export function normalisePassword(password: string): string {
  return password.normalize('NFKC')
}

/**
 * Why a new password is refused, if it is: too short or long (in characters, not bytes),
 * on the common-passwords list, built from the user's own context (tenant name, email
 * name), or — only for tenants that ask — lacking letters, digits and special characters.
 */
export function passwordProblem(
  password: string,
  policy: PasswordPolicy,
  context: string[] = [],
): PasswordProblem | undefined {
  const value = normalisePassword(password)
  const length = [...value].length
  if (length < effectiveMinLength(policy)) return 'tooShort'
  if (length > PASSWORD_MAX) return 'tooLong'
  const lower = value.toLowerCase()
  if (COMMON.has(lower)) return 'common'
  if (builtFromContext(lower, context)) return 'context'
  if (
    policy.requireComposition &&
    !(/\p{L}/u.test(value) && /\p{N}/u.test(value) && /[^\p{L}\p{N}]/u.test(value))
  ) {
    return 'composition'
  }
  return undefined
}

/**
 * A password is built from its context when, with every context word (4+ characters)
 * taken out, fewer than four letters are left: "kowalski!!2026" for Jan Kowalski is, but
 * "Sunny walk by the sea" for walk-in@… is not — a shared word is no reason to refuse.
 */
function builtFromContext(lower: string, context: string[]): boolean {
  const words = context
    .flatMap((c) =>
      c
        .toLowerCase()
        .normalize('NFKC')
        .split(/[^\p{L}\p{N}]+/u),
    )
    .filter((w) => [...w].length >= 4)
  if (!words.some((w) => lower.includes(w))) return false
  const rest = words.reduce((left, w) => left.replaceAll(w, ' '), lower)
  return (rest.match(/\p{L}/gu) ?? []).length < 4
}

// No 0/O, 1/l/I, and specials that cannot pass for punctuation around the password in
// the email ("%?68ScEvM!Gh2?" ended a sentence): it is read there and typed by hand.
const LETTERS = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ'
const DIGITS = '23456789'
const SPECIALS = '#%+=@'

/** A one-time password that satisfies the tenant's own policy, composition included. */
export function generateOneTimePassword(policy: PasswordPolicy): string {
  const length = Math.max(effectiveMinLength(policy), 14)
  const pick = (alphabet: string) => alphabet[randomInt(alphabet.length)]!
  const all = LETTERS + DIGITS + SPECIALS
  const chars = [pick(LETTERS), pick(DIGITS), pick(SPECIALS)]
  while (chars.length < length) chars.push(pick(all))
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1)
    ;[chars[i], chars[j]] = [chars[j]!, chars[i]!]
  }
  // It starts and ends with a letter or digit, so nothing at its edges reads as punctuation.
  const inner = (c: string) => LETTERS.includes(c) || DIGITS.includes(c)
  const edge = (i: number) => {
    if (inner(chars[i]!)) return
    const swap = chars.findIndex((c, k) => k > 0 && k < chars.length - 1 && inner(c))
    ;[chars[i], chars[swap]] = [chars[swap]!, chars[i]!]
  }
  edge(0)
  edge(chars.length - 1)
  return chars.join('')
}

/**
 * A burst of sign-ins would take every core and every page would wait behind it. At most
 * `concurrency` hashes run at once (one core left for pages on a 2-core machine), each on a
 * worker thread of lower priority (`argon2.ts`); up to `queue` more wait; beyond that the
 * caller is told at once that the portal is busy (503 with Retry-After), not answered
 * seconds later.
 */
const DEFAULT_BOUNDS = { concurrency: Math.max(1, availableParallelism() - 1), queue: 32 }
const hashing = {
  ...DEFAULT_BOUNDS,
  running: 0,
  waiting: [] as (() => void)[],
}

/** Changes the bounds (tests); without them, back to the defaults. */
export function boundPasswordHashing(bounds: { concurrency: number; queue: number } = DEFAULT_BOUNDS): void {
  hashing.concurrency = bounds.concurrency
  hashing.queue = bounds.queue
}

async function bounded<T>(work: () => Promise<T>): Promise<T> {
  if (hashing.running < hashing.concurrency) hashing.running += 1
  else if (hashing.waiting.length >= hashing.queue) throw new BusyError('password hashing is saturated')
  // A finished hash hands its place to the next in line, so the bound is never passed.
  else await new Promise<void>((resolve) => hashing.waiting.push(resolve))
  try {
    return await work()
  } finally {
    const next = hashing.waiting.shift()
    if (next) next()
    else hashing.running -= 1
  }
}

export function hashPassword(password: string): Promise<string> {
  return bounded(() => argon2Hash(normalisePassword(password), ARGON2_OPTIONS))
}

let dummyHash: Promise<string> | undefined

/**
 * Verifies a password; with no stored hash (unknown user, no password yet) it verifies
 * against a dummy, so the answer takes as long either way.
 */
export async function verifyPassword(
  hash: string | null | undefined,
  password: string,
): Promise<{ ok: boolean; rehash: boolean }> {
  dummyHash ??= argon2Hash('dummy password for timing', ARGON2_OPTIONS)
  const target = hash ?? (await dummyHash)
  const ok = await bounded(() => argon2Verify(target, normalisePassword(password)).catch(() => false))
  return {
    ok: ok && Boolean(hash),
    rehash: ok && Boolean(hash) && needsRehash(target, ARGON2_OPTIONS),
  }
}
