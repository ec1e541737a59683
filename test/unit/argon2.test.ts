import { spawnSync } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { HASHING_NICE, hash, needsRehash, parseHash, verify } from '../../src/platform/argon2.ts'

const OPTIONS = { algorithm: 'argon2id', memory: 19_456, passes: 2, parallelism: 1 } as const

/** Written by the `argon2` npm package (0.45), which hashed every password stored before. */
const STORED = {
  today: '$argon2id$v=19$m=19456,p=1,t=2$pOiXOtSMptZyfNa5JBQ5tg$DY3HCSAs1HBsCE+yXXxSIbovgJX2862P75G0DB4hbX4',
  weaker: '$argon2id$v=19$m=4096,p=1,t=3$+h+ZPPZhkoCEbWIBT4YKOQ$WV2IMVR+5bmXx2emSWYxj6HuOT1lUWD/7ahAffjKBok',
  argon2i: '$argon2i$v=19$m=8192,p=2,t=2$Ryqyh9ni24cAy4Y33QziAA$sHSAVD2h7sd8ayHEO0IqxWT0i8/Jgw1JTpYvskaOsRc',
}
const PASSWORD = 'słoneczny poranek 12'

/** Linux: each thread of this process and its nice value (field 19 of its stat line). */
function niceOfThreads(): number[] {
  return readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])
  })
}

describe('argon2 on worker threads', () => {
  it('verifies the hashes the argon2 package stored, with their own parameters', async () => {
    for (const stored of Object.values(STORED)) {
      expect(await verify(stored, PASSWORD)).toBe(true)
      expect(await verify(stored, 'słoneczny poranek 13')).toBe(false)
    }
  })

  it('writes what the argon2 package wrote, and reads its own back', async () => {
    const made = await hash(PASSWORD, OPTIONS)
    expect(made).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/)
    expect(made).not.toBe(await hash(PASSWORD, OPTIONS))
    expect(await verify(made, PASSWORD)).toBe(true)
    expect(await verify(made, 'Słoneczny poranek 12')).toBe(false)
  })

  it('asks for a new hash when the stored one was made with other parameters', () => {
    expect(needsRehash(STORED.today, OPTIONS)).toBe(false)
    expect(needsRehash(STORED.weaker, OPTIONS)).toBe(true)
    expect(needsRehash(STORED.argon2i, OPTIONS)).toBe(true)
    expect(needsRehash('not a hash', OPTIONS)).toBe(true)
  })

  it.each([
    '',
    'plain text',
    '$2b$10$abcdefghijklmnopqrstuuGz7cVWbCd9wXm3o8lWbTqz1e0o1yT3y',
    STORED.today.replace('v=19', 'v=16'),
    STORED.today.replace('m=19456,', ''),
    STORED.today.replace('t=2', 't=two'),
    STORED.today.replace('$argon2id$', '$argon2x$'),
    STORED.today.replace('$pOiXOtSMptZyfNa5JBQ5tg$', '$AAAA$'),
  ])('refuses %j as a hash, without throwing', async (stored) => {
    expect(parseHash(stored)).toBeUndefined()
    expect(await verify(stored, PASSWORD)).toBe(false)
  })

  it('keeps a script alive until its hashes are done, and lets it end after', () => {
    const module = new URL('../../src/platform/argon2.ts', import.meta.url).href
    const script = `
      import { hash } from ${JSON.stringify(module)}
      const options = ${JSON.stringify(OPTIONS)}
      console.log((await hash('first', options)).length, (await hash('second', options)).length)`
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 20_000,
    })
    expect({ status: run.status, out: run.stdout.trim() }).toEqual({ status: 0, out: '97 97' })
  })

  it('hashes on a thread of lower priority than the one serving requests', async () => {
    await Promise.all([hash('one password', OPTIONS), hash('another one', OPTIONS)])
    const nices = niceOfThreads()
    expect(nices).toContain(HASHING_NICE)
    expect(Math.min(...nices)).toBe(0)
  })
})
