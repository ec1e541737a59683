import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerConfirmed, signedIn } from '../helpers/accounts.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { createTenant } from '../helpers/factories.ts'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.ts'

const PASSWORD = 'słoneczny poranek 12'

/** Issue 18 item 3: a page view is not a session write; an unchanged session is touched once a minute. */
describe('session store writes', () => {
  let smtp: SmtpSink
  const apps: TestApp[] = []
  beforeAll(async () => {
    smtp = await startSmtpSink()
  })
  afterAll(async () => {
    for (const app of apps) await app.close()
    await smtp.close()
  })

  /** A signed-in customer, and the session statements each request of theirs sends. */
  const setUp = async (touchEveryMs?: number) => {
    const t = await createTestApp({
      smtpUrl: smtp.url,
      mailWorker: true,
      app: { sessionTouchEveryMs: touchEveryMs },
    })
    apps.push(t)
    const tenant = await createTenant(t.db.owner)
    const email = `touch${apps.length}@example.com`
    await registerConfirmed(t, smtp, tenant.host, email, PASSWORD)
    const agent = await signedIn(t, tenant.host, email, PASSWORD)
    const writes: string[] = []
    const query = t.deps.pool.query.bind(t.deps.pool) as (...args: unknown[]) => unknown
    ;(t.deps.pool as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const sql = typeof args[0] === 'string' ? args[0] : ''
      if (/^\s*(UPDATE|INSERT)\b.*"session"/i.test(sql)) writes.push(sql)
      return query(...args)
    }
    return { t, agent, writes }
  }

  it('writes an unchanged session at most once a minute, however many pages are read', async () => {
    const { agent, writes } = await setUp()
    for (let i = 0; i < 20; i++) expect((await agent.get('/cabinet')).status).toBe(200)
    // The first page after the sign-in's save writes the longer expiry; the next 19 nothing.
    expect(writes.length).toBeLessThanOrEqual(1)
  })

  it('touches again once the interval has passed, and keeps the session in the store past the cookie’s expiry', async () => {
    const { t, agent, writes } = await setUp(300)
    await agent.get('/cabinet')
    const afterFirst = writes.length
    expect(afterFirst).toBe(1)
    await agent.get('/cabinet')
    await agent.get('/cabinet')
    expect(writes.length).toBe(afterFirst)
    await new Promise((r) => setTimeout(r, 350))
    const last = await agent.get('/cabinet')
    expect(writes.length).toBe(afterFirst + 1)
    // The idle time a user is promised is the cookie's: the store never ends the session sooner.
    const cookieExpires = new Date(/Expires=([^;]+)/.exec(String(last.headers['set-cookie']))![1]!).getTime()
    const sid = decodeURIComponent(/kabinet\.sid=s%3A([^.;]+)/.exec(String(last.headers['set-cookie']))![1]!)
    const { rows } = await t.db.owner.raw<{ rows: { expire: Date }[] }>(
      'SELECT expire FROM session WHERE sid = ?',
      [sid],
    )
    expect(rows[0]!.expire.getTime()).toBeGreaterThanOrEqual(cookieExpires)
  })
})
