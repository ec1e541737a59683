import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { saveSettings } from '../../src/modules/tenants/service.ts'
import { totpCode } from '../../src/platform/totp.ts'
import { registerConfirmed, signedIn } from '../helpers/accounts.ts'
import { agentFor } from '../helpers/agent.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { createTenant } from '../helpers/factories.ts'
import { createOperator, operatorSignIn } from '../helpers/operators.ts'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.ts'

const PASSWORD = 'słoneczny poranek 12'
type Agent = ReturnType<typeof agentFor>

const secretOn = (html: string) => {
  const secret = /data-testid="totp-secret">([A-Z2-7]+)</.exec(html)?.[1]
  if (!secret) throw new Error(`no secret on the page: ${html.slice(0, 300)}`)
  return secret
}
const recoveryCodesOn = (html: string) =>
  [...html.matchAll(/<code>([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})<\/code>/g)].map((m) => m[1]!)

describe('two-step sign-in for customers (issue 21 item 1)', () => {
  let smtp: SmtpSink
  let t: TestApp
  let optional: Awaited<ReturnType<typeof createTenant>>
  let required: Awaited<ReturnType<typeof createTenant>>
  let people = 0
  const person = async (tenant: { host: string }, name: string) => {
    people += 1
    const email = `${name}${people}@example.com`
    await registerConfirmed(t, smtp, tenant.host, email, PASSWORD)
    return email
  }
  /** The next 30-second step's code: each step's code is accepted once per person. */
  const nextCode = (secret: string) => {
    t.clock.advance(30_000)
    return totpCode(secret, t.clock.now())
  }
  const customerRow = (tenantId: string, email: string) =>
    withTenant(t.db.owner, tenantId, (trx) => trx('customers').where({ email }).first())
  /** Turns two-step sign-in on from the person's own page; returns the secret and recovery codes. */
  const turnOn = async (agent: Agent) => {
    const secret = secretOn((await agent.get('/account/two-step')).text)
    const done = await agent.post('/account/two-step', { code: nextCode(secret) })
    expect(done.status).toBe(200)
    return { secret, codes: recoveryCodesOn(done.text) }
  }
  const passwordStep = async (host: string, email: string, next?: string) => {
    const agent = agentFor(t.app, host)
    await agent.get(next ? `/login?next=${encodeURIComponent(next)}` : '/login')
    const res = await agent.post('/login', { login: email, password: PASSWORD, ...(next ? { next } : {}) })
    // The password step starts a new session: the second step's page carries its form token.
    const location = String(res.headers.location)
    if (location.startsWith('/login/')) await agent.get(location)
    return { agent, res }
  }

  beforeAll(async () => {
    smtp = await startSmtpSink()
    t = await createTestApp({ smtpUrl: smtp.url, mailWorker: true })
    optional = await createTenant(t.db.owner, { defaultLocale: 'en' })
    required = await createTenant(t.db.owner, { defaultLocale: 'en', customerTwoStep: true })
  })
  afterAll(async () => {
    await t.close()
    await smtp.close()
  })

  it('is turned on with a code from the app: recovery codes shown once, other sessions end, an email tells', async () => {
    const jan = await person(optional, 'jan')
    const agent = await signedIn(t, optional.host, jan, PASSWORD)
    const other = await signedIn(t, optional.host, jan, PASSWORD)
    const setup = await agent.get('/account/two-step')
    expect(setup.status).toBe(200)
    const secret = secretOn(setup.text)
    // The same secret until it is confirmed: a reload does not invalidate the app's entry.
    expect(secretOn((await agent.get('/account/two-step')).text)).toBe(secret)

    const wrong = await agent.post('/account/two-step', { code: '000000' })
    expect(wrong.status).toBe(422)
    expect(wrong.text).toContain('The code is incorrect or has already been used')
    expect(wrong.text).toContain('govuk-error-summary')
    const blank = await agent.post('/account/two-step', { code: '' })
    expect(blank.status).toBe(422)
    expect(blank.text).toContain('Enter the 6-digit code')
    expect((await customerRow(optional.id, jan)).totp_enabled_at).toBeNull()

    const done = await agent.post('/account/two-step', { code: nextCode(secret) })
    expect(done.status).toBe(200)
    const codes = recoveryCodesOn(done.text)
    expect(codes).toHaveLength(10)
    expect(new Set(codes).size).toBe(10)
    const row = await customerRow(optional.id, jan)
    expect(row.totp_secret).toBe(secret)
    // Only hashes are kept.
    const stored = await withTenant(t.db.owner, optional.id, (trx) =>
      trx('customer_recovery_codes').where({ customer_id: row.id }).pluck('code_hash'),
    )
    expect(stored).toHaveLength(10)
    for (const code of codes) expect(stored).not.toContain(code)

    const page = await agent.get('/account/two-step')
    expect(page.status).toBe(200)
    expect(page.text).toContain('10 unused recovery codes left.')
    expect(page.text).not.toContain(secret)
    expect((await other.get('/cabinet')).headers.location).toBe('/login?next=%2Fcabinet')
    const mail = await smtp.waitFor(
      (m) => m.envelopeTo.includes(jan) && /Two-step sign-in is on/.test(m.subject ?? ''),
    )
    expect(mail.text).toContain(optional.settings.supportEmail)
  })

  it('asks for a code after the password: each code works once, a recovery code once, and the page asked for follows', async () => {
    const ewa = await person(optional, 'ewa')
    const { secret, codes } = await turnOn(await signedIn(t, optional.host, ewa, PASSWORD))

    const first = await passwordStep(optional.host, ewa, '/account/profile')
    expect(first.res.status).toBe(303)
    expect(first.res.headers.location).toBe('/login/code')
    // The password alone signs nobody in.
    expect((await first.agent.get('/cabinet')).headers.location).toBe('/login?next=%2Fcabinet')
    const code = nextCode(secret)
    const ok = await first.agent.post('/login/code', { code })
    expect(ok.status).toBe(303)
    expect(ok.headers.location).toBe('/account/profile')
    expect((await first.agent.get('/account/profile')).status).toBe(200)

    const replay = await passwordStep(optional.host, ewa)
    const again = await replay.agent.post('/login/code', { code })
    expect(again.status).toBe(422)
    expect(again.text).toContain('The code is incorrect or has already been used')
    expect((await replay.agent.get('/cabinet')).status).toBe(303)

    const byRecovery = await passwordStep(optional.host, ewa)
    expect((await byRecovery.agent.post('/login/code', { code: codes[0]!.toUpperCase() })).status).toBe(303)
    const reused = await passwordStep(optional.host, ewa)
    expect((await reused.agent.post('/login/code', { code: codes[0]! })).status).toBe(422)
    expect((await byRecovery.agent.get('/account/two-step')).text).toContain('9 unused recovery codes left.')

    const audit = await withTenant(t.db.owner, optional.id, async (trx) => {
      const id = (await trx('customers').where({ email: ewa }).first('id')).id
      return trx('audit_log').where({ target_id: id }).orderBy('at').pluck('action')
    })
    expect(audit).toContain('customer.password-accepted')
    expect(audit).toContain('customer.second-factor-failed')
    expect(audit.filter((a) => a === 'customer.login')).toHaveLength(3)
  })

  it('forgets a password step after ten minutes, and throttles guessed codes', async () => {
    const olga = await person(optional, 'olga')
    const { secret } = await turnOn(await signedIn(t, optional.host, olga, PASSWORD))
    const late = await passwordStep(optional.host, olga)
    t.clock.advance(11 * 60_000)
    expect((await late.agent.get('/login/code')).headers.location).toBe('/login')
    expect(
      (await late.agent.post('/login/code', { code: totpCode(secret, t.clock.now()) })).headers.location,
    ).toBe('/login')

    const guesser = await passwordStep(optional.host, olga)
    const statuses = []
    for (let i = 0; i < 6; i++)
      statuses.push((await guesser.agent.post('/login/code', { code: `12345${i}` })).status)
    expect(statuses.slice(0, 5)).toEqual([422, 422, 422, 422, 422])
    expect(statuses[5]).toBe(429)
    // Even the right code waits until the block ends.
    expect((await guesser.agent.post('/login/code', { code: nextCode(secret) })).status).toBe(429)
  })

  it('turns off with the current password only, and then the password alone signs in', async () => {
    const piotr = await person(optional, 'piotr')
    const agent = await signedIn(t, optional.host, piotr, PASSWORD)
    await turnOn(agent)
    const wrong = await agent.post('/account/two-step/off', { currentPassword: 'not my password at all' })
    expect(wrong.status).toBe(422)
    expect(wrong.text).toContain('govuk-error-summary')
    expect((await customerRow(optional.id, piotr)).totp_enabled_at).not.toBeNull()
    const off = await agent.post('/account/two-step/off', { currentPassword: PASSWORD })
    expect(off.status).toBe(303)
    expect((await customerRow(optional.id, piotr)).totp_secret).toBeNull()
    // This session carries on.
    expect((await agent.get('/account/two-step')).text).toContain('data-testid="totp-secret"')
    await smtp.waitFor((m) => m.envelopeTo.includes(piotr) && /Two-step sign-in is off/.test(m.subject ?? ''))
    const plain = await passwordStep(optional.host, piotr)
    expect(plain.res.headers.location).toBe('/cabinet')
  })

  it('renews recovery codes for a code from the app; the old ones stop working', async () => {
    const zofia = await person(optional, 'zofia')
    const agent = await signedIn(t, optional.host, zofia, PASSWORD)
    const { secret, codes } = await turnOn(agent)
    const page = await agent.get('/account/two-step')
    expect(page.status).toBe(200)
    expect((await agent.post('/account/two-step/recovery-codes', { code: '000000' })).status).toBe(422)
    const renewed = await agent.post('/account/two-step/recovery-codes', { code: nextCode(secret) })
    expect(renewed.status).toBe(200)
    const fresh = recoveryCodesOn(renewed.text)
    expect(fresh).toHaveLength(10)
    expect(
      (await (await passwordStep(optional.host, zofia)).agent.post('/login/code', { code: codes[1]! }))
        .status,
    ).toBe(422)
    expect(
      (await (await passwordStep(optional.host, zofia)).agent.post('/login/code', { code: fresh[1]! }))
        .status,
    ).toBe(303)
  })

  it('where the tenant requires it: set up at sign-in before anything else, never turned off, reset by staff', async () => {
    const anna = await person(required, 'anna')
    const { agent, res } = await passwordStep(required.host, anna, '/account/profile')
    expect(res.headers.location).toBe('/login/two-step')
    expect((await agent.get('/cabinet')).headers.location).toBe('/login?next=%2Fcabinet')
    const setup = await agent.get('/login/two-step')
    expect(setup.status).toBe(200)
    expect(setup.text).toContain('This portal asks every customer to sign in in two steps')
    const secret = secretOn(setup.text)
    expect((await agent.post('/login/two-step', { code: '000000' })).status).toBe(422)
    expect((await agent.get('/cabinet')).status).toBe(303)
    const done = await agent.post('/login/two-step', { code: nextCode(secret) })
    expect(done.status).toBe(200)
    expect(recoveryCodesOn(done.text)).toHaveLength(10)
    expect(done.text).toContain('href="/account/profile"')
    expect((await agent.get('/account/profile')).status).toBe(200)

    const page = await agent.get('/account/two-step')
    expect(page.text).toContain('cannot be turned off')
    expect(page.text).not.toContain('action="/account/two-step/off"')
    expect((await agent.post('/account/two-step/off', { currentPassword: PASSWORD })).status).toBe(303)
    expect((await customerRow(required.id, anna)).totp_enabled_at).not.toBeNull()

    // Staff reset it for a lost phone: her sessions end, she is told, and sets it up again.
    const staff = await operatorSignIn(t, required.host, await createOperator(t, required.id))
    const id = (await customerRow(required.id, anna)).id
    const view = await staff.agent.get(`/admin/customers/${id}`)
    expect(view.text).toContain('Reset two-step sign-in')
    expect((await staff.agent.post(`/admin/customers/${id}`, { action: 'reset-two-step' })).status).toBe(303)
    expect((await customerRow(required.id, anna)).totp_secret).toBeNull()
    expect((await agent.get('/cabinet')).headers.location).toBe('/login?next=%2Fcabinet')
    await smtp.waitFor((m) => m.envelopeTo.includes(anna) && /Two-step sign-in is off/.test(m.subject ?? ''))
    // Nothing to reset any more: the action is not offered, and posting it finds nothing.
    expect((await staff.agent.get(`/admin/customers/${id}`)).text).not.toContain('Reset two-step sign-in')
    expect((await staff.agent.post(`/admin/customers/${id}`, { action: 'reset-two-step' })).status).toBe(404)
    expect((await passwordStep(required.host, anna)).res.headers.location).toBe('/login/two-step')
  })

  it('sends a customer signed in before the tenant required it to set it up first', async () => {
    const tenant = await createTenant(t.db.owner, { defaultLocale: 'en' })
    const marek = await person(tenant, 'marek')
    const agent = await signedIn(t, tenant.host, marek, PASSWORD)
    expect((await agent.get('/cabinet')).status).toBe(200)
    const ctx = {
      tenant,
      actor: { type: 'system' as const, id: null },
      locale: 'en' as const,
      requestId: 'test',
      ip: undefined,
    }
    await saveSettings(t.deps, ctx, { ...tenant.settings, customerTwoStep: true })
    let location: string | undefined
    for (let i = 0; i < 40 && location !== '/account/two-step'; i++) {
      location = (await agent.get('/cabinet')).headers.location
      if (location !== '/account/two-step') await new Promise((r) => setTimeout(r, 50))
    }
    expect(location).toBe('/account/two-step')
    const secret = secretOn((await agent.get('/account/two-step')).text)
    expect((await agent.post('/account/two-step', { code: nextCode(secret) })).status).toBe(200)
    expect((await agent.get('/cabinet')).status).toBe(200)
  })
})
