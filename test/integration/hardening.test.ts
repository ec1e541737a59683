import { randomUUID } from 'node:crypto'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Knex } from 'knex'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { sendPasswordReset, type PasswordResetJob } from '../../src/modules/accounts/password.service.ts'
import { ACCOUNT_QUEUES } from '../../src/modules/accounts/queues.ts'
import { sweepOlderThan } from '../../src/platform/jobs.ts'
import { SUBMISSION_SWEEP } from '../../src/platform/submissions.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { agentFor } from '../helpers/agent.ts'
import { registerConfirmed } from '../helpers/accounts.ts'
import { createTenant } from '../helpers/factories.ts'
import { createOperator, operatorSignIn, STAFF_PASSWORD } from '../helpers/operators.ts'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.ts'

const PASSWORD = 'słoneczny poranek 12'

describe('hardening: what an attacker tried from outside', () => {
  let smtp: SmtpSink
  let t: TestApp
  let tenant: Awaited<ReturnType<typeof createTenant>>

  beforeAll(async () => {
    smtp = await startSmtpSink()
    t = await createTestApp({ smtpUrl: smtp.url, mailWorker: true })
    tenant = await createTenant(t.db.owner, { enabledServices: ['pgb'] })
    await registerConfirmed(t, smtp, tenant.host, 'jan@example.com', PASSWORD)
  })
  afterAll(async () => {
    await t.close()
    await smtp.close()
  })

  it('never redirects off-site after sign-in, whatever next= says', async () => {
    for (const next of ['/..//evil.com', '/a/../..//evil.com/x', '//evil.com', '/\\evil.com']) {
      const agent = agentFor(t.app, tenant.host)
      await agent.get('/login')
      const res = await agent.post('/login', { login: 'jan@example.com', password: PASSWORD, next })
      expect(res.status).toBe(303)
      expect(res.headers.location).toMatch(/^\/(?![/\\])/)
    }
  })

  it('builds the language links of a crafted 404 from the normalised path', async () => {
    for (const path of ['//evil.com/x', '/\\evil.com']) {
      const res = await request(t.app).get(path).set('Host', tenant.host)
      expect(res.status).toBe(404)
      const hrefs = [...res.text.matchAll(/href="([^"]*)\?lang=/g)].map((m) => m[1])
      expect(hrefs.length).toBeGreaterThan(0)
      for (const href of hrefs) expect(href).toBe('/')
    }
  })

  function statuses(responses: { status: number }[]) {
    const counts: Record<number, number> = {}
    for (const r of responses) counts[r.status] = (counts[r.status] ?? 0) + 1
    return counts
  }
  const burst = <T>(n: number, fn: () => Promise<T>) => Promise.all(Array.from({ length: n }, fn))

  it('reserves each credential attempt before checking it: a burst of 30 gets at most 5 tries', async () => {
    await registerConfirmed(t, smtp, tenant.host, 'burst@example.com', PASSWORD)
    const agent = agentFor(t.app, tenant.host)
    await agent.get('/login')
    const logins = await burst(30, () =>
      agent.post('/login', { login: 'burst@example.com', password: 'wrong one' }),
    )
    expect(statuses(logins)).toEqual({ 422: 5, 429: 25 })
    // Only the five checked attempts count against the account's day (20 a day).
    const spent = await t.db
      .owner('rate_limits')
      .where('key', 'like', 'login:acct:long:%burst@example.com')
      .pluck<number[]>('points')
    expect(spent).toEqual([5])

    const visitor = agentFor(t.app, tenant.host)
    await visitor.get('/enrol')
    const tokens = await burst(30, () => visitor.post('/enrol', { token: 'AAAA-BBBB-CCCC' }))
    expect(statuses(tokens)).toEqual({ 422: 5, 429: 25 })

    const email = await createOperator(t, tenant.id)
    await operatorSignIn(t, tenant.host, email)
    const staff = agentFor(t.app, tenant.host)
    await staff.get('/admin/login')
    expect((await staff.post('/admin/login', { email, password: STAFF_PASSWORD })).status).toBe(303)
    await staff.get('/admin/login/code')
    const codes = await burst(30, () => staff.post('/admin/login/code', { code: '000000' }))
    expect(statuses(codes)).toEqual({ 422: 5, 429: 25 })
  })

  it('throttles the current-password check of change password and change email', async () => {
    await registerConfirmed(t, smtp, tenant.host, 'curious@example.com', PASSWORD)
    const agent = agentFor(t.app, tenant.host)
    await agent.get('/login')
    await agent.post('/login', { login: 'curious@example.com', password: PASSWORD })
    await agent.get('/account/password')
    const tries = []
    for (let i = 0; i < 3; i++)
      tries.push(
        await agent.post('/account/password', {
          currentPassword: `guess ${i}`,
          password: 'wieczorny spacer nad morzem',
          passwordConfirm: 'wieczorny spacer nad morzem',
        }),
      )
    await agent.get('/account/email')
    for (let i = 0; i < 3; i++)
      tries.push(
        await agent.post('/account/email', { newEmail: 'other@example.com', currentPassword: `guess ${i}` }),
      )
    expect(tries.map((r) => r.status)).toEqual([422, 422, 422, 422, 422, 429])
  })

  it('answers a reset request without looking the address up, so known and unknown take the same path', async () => {
    // An app without workers, so what the request itself did can be seen before a worker acts.
    const quiet = await createTestApp()
    try {
      const other = await createTenant(quiet.db.owner)
      const inTenant = <T>(fn: (trx: Knex.Transaction) => Promise<T>) =>
        withTenant(quiet.db.owner, other.id, fn)
      await inTenant((trx) =>
        trx('customers').insert({ tenant_id: other.id, email: 'jan@example.com', status: 'active' }),
      )
      const resetTokens = () =>
        inTenant(async (trx) => Number((await trx('account_tokens').count<{ count: string }[]>())[0]!.count))
      const agent = agentFor(quiet.app, other.host)
      await agent.get('/password/forgot')
      const known = await agent.post('/password/forgot', { email: 'jan@example.com' })
      const unknown = await agent.post('/password/forgot', { email: 'nobody@example.com' })
      expect([known.status, known.headers.location]).toEqual([303, '/password/sent'])
      expect([unknown.status, unknown.headers.location]).toEqual([303, '/password/sent'])
      expect(await resetTokens()).toBe(0)

      const jobs = await quiet.db
        .owner('pgboss.job')
        .where({ name: ACCOUNT_QUEUES.passwordResetRequest })
        .select<{ data: PasswordResetJob }[]>('data')
      expect(jobs.map((j) => j.data.email).sort()).toEqual(['jan@example.com', 'nobody@example.com'])
      for (const job of jobs) await sendPasswordReset(quiet.deps, job.data)
      expect(await resetTokens()).toBe(1)
    } finally {
      await quiet.close()
    }
  })

  it('answers 404 for ids that are not UUIDs, belong to another tenant or do not exist', async () => {
    const other = await createTenant(t.db.owner)
    await registerConfirmed(t, smtp, other.host, 'stranger@example.com', PASSWORD)
    const strangerId = await withTenant(t.db.owner, other.id, async (trx) =>
      String((await trx('customers').first('id')).id),
    )
    const email = await createOperator(t, tenant.id)
    const { agent: staff } = await operatorSignIn(t, tenant.host, email)
    await staff.get('/admin')
    for (const id of [strangerId, randomUUID()]) {
      for (const action of ['add', 'remove'])
        expect((await staff.post(`/admin/customers/${id}/services`, { service: 'pgb', action })).status).toBe(
          404,
        )
    }
    expect((await staff.post('/admin/operators/not-a-uuid', { action: 'disable' })).status).toBe(404)
    expect((await staff.post('/admin/customers/not-a-uuid', { action: 'disable' })).status).toBe(404)
    expect((await staff.get('/admin/access-requests/1%27%20or%201=1')).status).toBe(404)
  })

  it('moves a session epoch on atomically: ten concurrent "end sessions" end ten epochs', async () => {
    await registerConfirmed(t, smtp, tenant.host, 'epoch@example.com', PASSWORD)
    const epoch = () =>
      withTenant(t.db.owner, tenant.id, async (trx) => {
        const row = await trx('customers').where({ email: 'epoch@example.com' }).first('id', 'session_epoch')
        return row as { id: string; session_epoch: number }
      })
    const before = await epoch()
    const email = await createOperator(t, tenant.id)
    const { agent: staff } = await operatorSignIn(t, tenant.host, email)
    await staff.get(`/admin/customers/${before.id}`)
    const results = await burst(10, () =>
      staff.post(`/admin/customers/${before.id}`, { action: 'end-sessions' }),
    )
    expect(results.every((r) => r.status === 303)).toBe(true)
    expect((await epoch()).session_epoch).toBe(before.session_epoch + 10)
  })

  it('keeps every page of a signed-in person out of caches, and token links out of Referer', async () => {
    const agent = agentFor(t.app, tenant.host)
    await agent.get('/login')
    await agent.post('/login', { login: 'jan@example.com', password: PASSWORD })
    for (const path of ['/', '/register', '/access-request', '/no-such-page']) {
      const res = await agent.get(path)
      expect(res.headers['cache-control'], path).toBe('no-store')
    }
    const anonymous = await request(t.app).get('/').set('Host', tenant.host)
    expect(anonymous.headers['cache-control']).toBeUndefined()

    const reset = await request(t.app).get('/password/reset/some-token-value').set('Host', tenant.host)
    expect(reset.headers['referrer-policy']).toBe('no-referrer')
    expect(reset.text).not.toMatch(/<meta name="referrer"/)
  })

  it('keeps live tokens out of URLs we make and out of the request log', async () => {
    const agent = agentFor(t.app, tenant.host)
    await agent.get('/password/forgot')
    await agent.post('/password/forgot', { email: 'jan@example.com' })
    const mail = await smtp.waitFor(
      (m) => m.envelopeTo.includes('jan@example.com') && /\/password\/reset\//.test(m.text ?? ''),
    )
    const resetToken = /\/password\/reset\/([A-Za-z0-9_-]+)/.exec(mail.text ?? '')![1]!
    await agent.get(`/password/reset/${resetToken}`)
    await agent.post(`/password/reset/${resetToken}`, { password: 'short', passwordConfirm: 'short' })

    const email = await createOperator(t, tenant.id)
    const { agent: staff } = await operatorSignIn(t, tenant.host, email)
    await staff.get('/admin/enrolments')
    const issued = await staff.post('/admin/enrolments', {
      service: 'pgb',
      company: 'Farma',
      email: 'farma@example.com',
      phone: '+48 512 345 678',
    })
    expect(issued.headers.location).toBe('/admin/enrolments')
    const shown = await staff.get('/admin/enrolments')
    const enrolToken = /data-testid="flash-secret">([0-9A-Z-]+)</.exec(shown.text)?.[1]
    expect(enrolToken).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/)
    expect((await staff.get('/admin/enrolments')).text).not.toContain(enrolToken)

    const log = t.logs.join('')
    expect(log).toContain('/password/reset/[redacted]')
    expect(log).not.toContain(resetToken)
    expect(log).not.toContain(enrolToken)
  })

  it('creates one row for ten identical concurrent submissions of a create form', async () => {
    const count = (table: string) =>
      withTenant(t.db.owner, tenant.id, async (trx) =>
        Number((await trx(table).count<{ count: string }[]>())[0]!.count),
      )
    const visitor = agentFor(t.app, tenant.host)
    const page = await visitor.get('/access-request')
    const submission = /name="_submission" value="([^"]+)"/.exec(page.text)![1]!
    const requestsBefore = await count('access_requests')
    const sent = await burst(10, () =>
      visitor.post('/access-request', {
        _submission: submission,
        service: 'pgb',
        company: 'Farma Dubel',
        email: 'dubel@example.com',
        phone: '+48 512 345 678',
      }),
    )
    // Past five the address's request throttle answers; none of them creates a second row.
    expect(sent.filter((r) => r.headers.location === '/access-request/sent').length).toBeGreaterThan(0)
    expect(sent.every((r) => r.status === 303 || r.status === 429)).toBe(true)
    expect(await count('access_requests')).toBe(requestsBefore + 1)

    const email = await createOperator(t, tenant.id)
    const { agent: staff } = await operatorSignIn(t, tenant.host, email)
    const form = await staff.get('/admin/enrolments')
    const issueId = /name="_submission" value="([^"]+)"/.exec(form.text)![1]!
    const enrolmentsBefore = await count('enrolments')
    const issued = await burst(10, () =>
      staff.post('/admin/enrolments', {
        _submission: issueId,
        service: 'pgb',
        company: 'Farma Dubel',
        email: 'dubel@example.com',
        phone: '+48 512 345 678',
      }),
    )
    expect(issued.map((r) => r.status)).toEqual(Array(10).fill(303))
    expect(await count('enrolments')).toBe(enrolmentsBefore + 1)
    // A new form (a new token) is a new enrolment, as the operator meant.
    const again = await staff.get('/admin/enrolments')
    expect(/name="_submission" value="([^"]+)"/.exec(again.text)![1]).not.toBe(issueId)

    const { table, column, keepMs } = SUBMISSION_SWEEP
    const later = new Date(Date.now() + 2 * 86_400_000 - keepMs)
    expect(await sweepOlderThan(t.db.owner, [tenant.id], table, column, later)).toBe(2)
  })
})
