import { setTimeout as sleep } from 'node:timers/promises'
import type { Knex } from 'knex'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ReadScope, inReadScope, withOwnTransaction, withTenant } from '../../src/db/tenant-scope.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { createTenant } from '../helpers/factories.ts'

/**
 * Issue 18 item 2: a GET's reads share one read-only transaction of its tenant, and
 * nothing else about tenancy changes: another tenant, a write, an error, a response
 * already sent, or a request that stopped reading each get a transaction of their own.
 */
describe('the request read scope', () => {
  let t: TestApp
  let a: { id: string }
  let b: { id: string }
  const begins: string[] = []
  const onQuery = (q: { sql: string }) => void (/^\s*begin\b/i.test(q.sql) && begins.push(q.sql))

  beforeAll(async () => {
    t = await createTestApp()
    a = await createTenant(t.db.owner, { name: 'Scope A' })
    b = await createTenant(t.db.owner, { name: 'Scope B' })
    for (const [tenant, email] of [
      [a, 'a@example.com'],
      [b, 'b@example.com'],
    ] as const)
      await withTenant(t.db.owner, tenant.id, (trx) =>
        trx('customers').insert({ tenant_id: tenant.id, email, status: 'active' }),
      )
    t.deps.db.on('query', onQuery)
  })
  afterAll(async () => {
    t.deps.db.off('query', onQuery)
    await t.close()
  })

  const emails = (trx: Knex.Transaction) => trx('customers').pluck<string[]>('email')
  /** Runs `fn` inside a fresh scope of tenant A; what it returned and the BEGINs it sent. */
  const scoped = async <T>(fn: () => Promise<T>, open = () => true) => {
    begins.length = 0
    const value = await inReadScope(new ReadScope(t.deps.db, a.id, open), fn)
    return { value, begins: [...begins] }
  }

  it('runs consecutive reads of its tenant in one read-only transaction', async () => {
    const { value, begins } = await scoped(async () => [
      await withTenant(t.deps.db, a.id, emails),
      await withTenant(t.deps.db, a.id, emails),
      await Promise.all([withTenant(t.deps.db, a.id, emails), withTenant(t.deps.db, a.id, emails)]),
    ])
    expect(value.flat(2)).toEqual(Array(4).fill('a@example.com'))
    expect(begins).toEqual(['BEGIN TRANSACTION READ ONLY;'])
  })

  it('reads another tenant in that tenant’s own transaction, never through the scope', async () => {
    const { value, begins } = await scoped(async () => [
      await withTenant(t.deps.db, a.id, emails),
      await withTenant(t.deps.db, b.id, emails),
    ])
    expect(value).toEqual([['a@example.com'], ['b@example.com']])
    expect(begins).toHaveLength(2)
  })

  it('refuses a write inside it, and lets a write that asks for its own transaction through', async () => {
    const write = (trx: Knex.Transaction) =>
      trx('customers').where({ email: 'a@example.com' }).update({ preferred_locale: 'pl' })
    await expect(scoped(() => withTenant(t.deps.db, a.id, write))).rejects.toMatchObject({ code: '25006' })
    const { value } = await scoped(() => withOwnTransaction(t.deps.db, a.id, write))
    expect(value).toBe(1)
    const locale = await withTenant(t.deps.db, a.id, (trx) =>
      trx('customers').where({ email: 'a@example.com' }).first('preferred_locale'),
    )
    expect(locale).toEqual({ preferred_locale: 'pl' })
  })

  it('starts again after a failed statement, instead of failing every later read', async () => {
    const { value, begins } = await scoped(async () => {
      await expect(withTenant(t.deps.db, a.id, (trx) => trx.raw('select 1/0'))).rejects.toMatchObject({
        code: '22012',
      })
      return withTenant(t.deps.db, a.id, emails)
    })
    expect(value).toEqual(['a@example.com'])
    expect(begins).toHaveLength(2)
  })

  it('is not used once the response is out, nor after the request stopped reading a while', async () => {
    let headersSent = false
    const { begins } = await scoped(
      async () => {
        await withTenant(t.deps.db, a.id, emails)
        headersSent = true
        await withTenant(t.deps.db, a.id, emails)
      },
      () => !headersSent,
    )
    expect(begins).toEqual(['BEGIN TRANSACTION READ ONLY;', 'BEGIN;'])
    const idle = await scoped(async () => {
      await withTenant(t.deps.db, a.id, emails)
      await sleep(100)
      await withTenant(t.deps.db, a.id, emails)
    })
    expect(idle.begins).toEqual(['BEGIN TRANSACTION READ ONLY;', 'BEGIN TRANSACTION READ ONLY;'])
  })

  it('lets a read that is running when its client goes away finish, then ends', async () => {
    const scope = new ReadScope(t.deps.db, a.id, () => true)
    begins.length = 0
    const value = await inReadScope(scope, () =>
      withTenant(t.deps.db, a.id, async (trx) => {
        const first = await emails(trx)
        scope.close()
        return [first, await emails(trx)]
      }),
    )
    expect(value).toEqual([['a@example.com'], ['a@example.com']])
    const pool = (t.deps.db.client as { pool: { numUsed: () => number } }).pool
    await expect.poll(() => pool.numUsed(), { timeout: 1_000 }).toBe(0)
    // Closed: a later read is the request's own, outside the scope.
    await inReadScope(scope, () => withTenant(t.deps.db, a.id, emails))
    expect(begins).toEqual(['BEGIN TRANSACTION READ ONLY;', 'BEGIN;'])
  })

  it('keeps its transaction while a busy event loop, not the request, held the next read back', async () => {
    const { begins } = await scoped(async () => {
      await withTenant(t.deps.db, a.id, emails)
      // Other work holds the loop past the idle wait; the request's next step comes after
      // it, behind the expired idle timer.
      const until = performance.now() + 60
      while (performance.now() < until);
      await sleep(0)
      await withTenant(t.deps.db, a.id, emails)
    })
    expect(begins).toEqual(['BEGIN TRANSACTION READ ONLY;'])
  })

  it('leaves no tenant on a pooled connection: a read outside any scope sees nothing', async () => {
    await scoped(() => withTenant(t.deps.db, a.id, emails))
    await sleep(50)
    const seen = await Promise.all(Array.from({ length: 10 }, () => t.deps.db('customers').pluck('email')))
    expect(seen.flat()).toEqual([])
  })
})
