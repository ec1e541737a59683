import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BusyError } from '../../src/platform/errors.ts'
import {
  boundPasswordHashing,
  effectiveMinLength,
  generateOneTimePassword,
  hashPassword,
  passwordProblem,
  verifyPassword,
} from '../../src/platform/passwords.ts'

const plain = { minLength: 8, requireComposition: false }
const legacy = { minLength: 10, requireComposition: true }

describe('password policy', () => {
  it('never goes below the platform floor of 8', () => {
    expect(effectiveMinLength({ minLength: 6, requireComposition: false })).toBe(8)
    expect(effectiveMinLength({ minLength: 12, requireComposition: false })).toBe(12)
    expect(passwordProblem('Tr7!xq', { minLength: 5, requireComposition: false })).toBe('tooShort')
  })

  it('accepts long passphrases in any script and counts characters, not bytes', () => {
    expect(
      passwordProblem(
        'x'.repeat(64).replace(/x/g, (_, i: number) => String.fromCharCode(97 + (i % 26))),
        plain,
      ),
    ).toBeUndefined()
    expect(passwordProblem('пароль-для-кабинета', plain)).toBeUndefined()
    expect(passwordProblem('电力交易中心密码', plain)).toBeUndefined()
    expect(passwordProblem('a'.repeat(257), plain)).toBe('tooLong')
  })

  it('refuses common passwords and the user’s own context', () => {
    expect(passwordProblem('password1', plain)).toBe('common')
    expect(passwordProblem('Qwertyuiop', plain)).toBe('common')
    expect(passwordProblem('energa-sieci-2026', plain, ['Energa Sieci', 'jan.kowalski@example.com'])).toBe(
      'context',
    )
    expect(passwordProblem('kowalski!!2026', plain, ['jan.kowalski'])).toBe('context')
    // A word shared with the email is no reason to refuse a passphrase; fragments never are.
    expect(passwordProblem('Sunny walk by the sea', plain, ['Walkowa Energia', 'walk-in'])).toBeUndefined()
    expect(passwordProblem('a long walking tour', plain, ['Sieci Pomorze', 'walkowiak'])).toBeUndefined()
  })

  it('asks for letters, digits and special characters only where the tenant says so', () => {
    expect(passwordProblem('correct horse battery', plain)).toBeUndefined()
    expect(passwordProblem('correcthorsebattery', legacy)).toBe('composition')
    expect(passwordProblem('correct7horse!battery', legacy)).toBeUndefined()
  })

  it('generates one-time passwords that always satisfy the tenant’s own policy', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.boolean(), (minLength, requireComposition) => {
        const policy = { minLength, requireComposition }
        const generated = generateOneTimePassword(policy)
        // Unambiguous characters only, and a letter or digit at each end (nothing reads as punctuation).
        return (
          passwordProblem(generated, policy) === undefined &&
          /^[a-hjkmnp-zA-HJ-NP-Z2-9][a-hjkmnp-zA-HJ-NP-Z2-9#%+=@]*[a-hjkmnp-zA-HJ-NP-Z2-9]$/.test(generated)
        )
      }),
      { numRuns: 300 },
    )
  })

  it('hashes with argon2id and verifies the NFKC form', async () => {
    const hash = await hashPassword('ﬁlm-Ⅻ-password')
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/)
    expect((await verifyPassword(hash, 'film-XII-password')).ok).toBe(true)
    expect((await verifyPassword(hash, 'wrong')).ok).toBe(false)
    expect((await verifyPassword(null, 'anything')).ok).toBe(false)
  })
})

describe('password hashing under a burst (issue 18 item 9)', () => {
  it('runs at most `concurrency` hashes, queues `queue` more, and refuses the rest at once', async () => {
    boundPasswordHashing({ concurrency: 1, queue: 1 })
    try {
      const started = Date.now()
      const results = await Promise.allSettled([
        hashPassword('first password here'),
        hashPassword('second password here'),
        hashPassword('third password here'),
      ])
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected'])
      expect((results[2] as PromiseRejectedResult).reason).toBeInstanceOf(BusyError)
      // The refused one was not made to wait for the others.
      expect(Date.now() - started).toBeLessThan(10_000)
      // Places are given back: the next hashes run.
      const again = await Promise.allSettled([hashPassword('fourth password'), verifyPassword(null, 'x')])
      expect(again.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled'])
    } finally {
      boundPasswordHashing()
    }
  })
})
