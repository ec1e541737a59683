import request from 'supertest'
import { describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { registerConfirmed, signedIn } from '../helpers/accounts.ts'
import { cookieOf } from '../helpers/agent.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { eventually, twoProcesses } from '../helpers/processes.ts'

const PASSWORD = 'kept in two processes'

/**
 * The signed-in customer is kept by each process between requests (issue 18): a page that
 * needs nothing else reads nothing. Two app instances on one database, as two processes.
 * What is kept must never outlive a change that signs the customer out.
 */
describe('the signed-in customer kept per process', () => {
  const p = twoProcesses()

  /** Statements about customers that `t` sends while `fn` runs. */
  const customerReads = async (t: TestApp, fn: () => Promise<unknown>) => {
    const seen: string[] = []
    const count = (q: { sql: string }) => void (/"customers"/.test(q.sql) && seen.push(q.sql))
    t.deps.db.on('query', count)
    try {
      await fn()
    } finally {
      t.deps.db.off('query', count)
    }
    return seen
  }
  const isSignedIn = async (agent: Awaited<ReturnType<typeof signedIn>>) =>
    (await agent.get('/cabinet')).status === 200

  it('reads the customer once, and signs them out in another process within moments of a disabling by any writer', async () => {
    const email = 'disabled@example.com'
    await registerConfirmed(p.one, p.smtp, p.tenant.host, email, PASSWORD)
    const customer = await signedIn(p.two, p.tenant.host, email, PASSWORD)
    expect(await isSignedIn(customer)).toBe(true)
    expect(await customerReads(p.two, () => isSignedIn(customer))).toEqual([])

    // psql-like: the owner, outside every service; only the trigger tells process two.
    await withTenant(p.one.db.owner, p.tenant.id, (trx) =>
      trx('customers').where({ email }).update({ status: 'disabled', disabled_at: new Date() }),
    )
    expect(await eventually(async () => !(await isSignedIn(customer)))).toBe(true)
  })

  it('ends other sessions in the writing process at once, without waiting to hear its own change', async () => {
    // A process that hears no NOTIFY at all: only its own telling can make this pass.
    const deaf = await createTestApp({ database: p.one.db })
    try {
      await deaf.deps.listener.close()
      const email = 'two-sessions@example.com'
      await registerConfirmed(p.one, p.smtp, p.tenant.host, email, PASSWORD)
      const here = await signedIn(deaf, p.tenant.host, email, PASSWORD)
      const there = await signedIn(deaf, p.tenant.host, email, PASSWORD)
      expect(await isSignedIn(there)).toBe(true)
      await here.get('/cabinet')
      expect((await here.post('/account/sessions/end-others', {})).status).toBe(303)
      expect(await isSignedIn(there)).toBe(false)
      expect(await isSignedIn(here)).toBe(true)
    } finally {
      await deaf.close()
    }
  })

  it('reads a kept row again before it signs anyone out: a session newer than what the process heard stays', async () => {
    const deaf = await createTestApp({ database: p.one.db })
    try {
      await deaf.deps.listener.close()
      const email = 'newer-session@example.com'
      await registerConfirmed(p.one, p.smtp, p.tenant.host, email, PASSWORD)
      const onOne = await signedIn(p.one, p.tenant.host, email, PASSWORD)
      const sameSessionOnDeaf = () =>
        request(deaf.app).get('/cabinet').set('Host', p.tenant.host).set('Cookie', cookieOf(onOne))
      expect((await sameSessionOnDeaf()).status).toBe(200)
      // A new session epoch through process one; this session moves on to it.
      await onOne.get('/cabinet')
      expect((await onOne.post('/account/sessions/end-others', {})).status).toBe(303)
      expect((await sameSessionOnDeaf()).status).toBe(200)
      expect((await onOne.get('/cabinet')).status).toBe(200)
    } finally {
      await deaf.close()
    }
  })

  it('shows a changed name on the next page of the process that saved it, and of the other one in moments', async () => {
    const email = 'renamed@example.com'
    await registerConfirmed(p.one, p.smtp, p.tenant.host, email, PASSWORD)
    const onOne = await signedIn(p.one, p.tenant.host, email, PASSWORD)
    const onTwo = await signedIn(p.two, p.tenant.host, email, PASSWORD)
    expect((await onTwo.get('/cabinet')).text).not.toContain('Zofia Nowak')
    const form = await onOne.get('/account/profile')
    expect(form.status).toBe(200)
    const saved = await onOne.post('/account/profile', {
      firstName: 'Zofia',
      lastName: 'Nowak',
      phone: '512 345 678',
      preferredLocale: 'en',
    })
    expect(saved.status).toBe(303)
    expect((await onOne.get('/cabinet')).text).toContain('Zofia Nowak')
    expect(await eventually(async () => (await onTwo.get('/cabinet')).text.includes('Zofia Nowak'))).toBe(
      true,
    )
  })
})
