import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { agentFor } from '../helpers/agent.ts'
import { linkIn, pathOf, registerConfirmed, signedIn } from '../helpers/accounts.ts'
import { createTenant } from '../helpers/factories.ts'
import { createOperator, operatorSignIn } from '../helpers/operators.ts'
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '../helpers/smtp.ts'

const PASSWORD = 'zielona energia z wiatru 1'
const TOKEN = /\b([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})\b/
const tokenIn = (mail: ReceivedMail) => TOKEN.exec(mail.text ?? '')![1]!
const seen = new Set<ReceivedMail>()

describe('services and token enrolment', () => {
  let smtp: SmtpSink
  let t: TestApp
  let pl: Awaited<ReturnType<typeof createTenant>>
  let other: Awaited<ReturnType<typeof createTenant>>
  let staff: Awaited<ReturnType<typeof operatorSignIn>>['agent']

  async function issue(email: string, company = 'Farma Wiatrowa', service = 'pgb', agent = staff) {
    await agent.get('/admin/enrolments')
    const res = await agent.post('/admin/enrolments', { service, company, email, phone: '+48 512 345 678' })
    expect(res.status).toBe(303)
    const mail = await smtp.waitFor(
      (m) => m.envelopeTo.includes(email) && TOKEN.test(m.text ?? '') && !seen.has(m),
    )
    seen.add(mail)
    return { token: tokenIn(mail), mail }
  }

  beforeAll(async () => {
    smtp = await startSmtpSink()
    t = await createTestApp({ smtpUrl: smtp.url, mailWorker: true })
    pl = await createTenant(t.db.owner, {
      name: 'Sieci Pomorze',
      defaultLocale: 'pl',
      enabledServices: ['pgb', 'readings'],
      // Readings by token here, so staff adding and removing it is what decides.
      modules: { services: { access: { readings: 'token' } } },
      publicBaseUrl: 'https://portal.sieci.example',
      supportEmail: 'bok@sieci.example',
    })
    other = await createTenant(t.db.owner, { enabledServices: ['pgb'] })
    staff = (await operatorSignIn(t, pl.host, await createOperator(t, pl.id, 'operator'))).agent
  })
  afterAll(async () => {
    await t.close()
    await smtp.close()
  })

  it('step 1: a public access request lands in the queue and emails support, with the same answer for anyone', async () => {
    const agent = agentFor(t.app, pl.host)
    await agent.get('/access-request')
    const bad = await agent.post('/access-request', { company: '', email: 'x', phone: '', service: 'market' })
    expect(bad.status).toBe(422)
    for (const m of [
      'Podaj nazwę firmy',
      'Podaj adres e-mail w poprawnym formacie',
      'Podaj telefon kontaktowy',
      'Wybierz usługę',
    ])
      expect(bad.text).toContain(m)
    const ok = await agent.post('/access-request', {
      company: 'Elektrownia Żuławy',
      email: 'biuro@zulawy.example',
      phone: '+48 58 123 45 67',
      service: 'pgb',
    })
    expect(ok.status).toBe(303)
    const mail = await smtp.waitFor((m) => m.envelopeTo.includes('bok@sieci.example'))
    expect(mail.subject).toBe('Wniosek o dostęp: Planowanie generacji – Elektrownia Żuławy')
    const queue = await staff.get('/admin/access-requests')
    expect(queue.text).toContain('Elektrownia Żuławy')
    const id = /href="\/admin\/access-requests\/([0-9a-f-]{36})"/.exec(queue.text)![1]!
    const prefilled = await staff.get(`/admin/access-requests/${id}`)
    expect(prefilled.text).toContain('value="biuro@zulawy.example"')
    expect(
      (
        await staff.post('/admin/enrolments', {
          service: 'pgb',
          company: 'Elektrownia Żuławy',
          email: 'biuro@zulawy.example',
          phone: '',
          requestId: id,
        })
      ).status,
    ).toBe(303)
    expect((await staff.get('/admin/access-requests')).text).not.toContain('Elektrownia Żuławy')
  })

  it('path 4b: the emailed link asks for the token, then the email and a password; the account is active and enrolled', async () => {
    const { token, mail } = await issue('nowy@farma.example')
    expect(mail.subject).toBe('Konto w usłudze Planowanie generacji – Sieci Pomorze')
    const link = linkIn(mail, '/enrol')
    expect(link).toBe('https://portal.sieci.example/enrol')
    const agent = agentFor(t.app, pl.host)
    const page = await agent.get(pathOf(link))
    expect(page.status).toBe(200)
    expect((await agent.post('/enrol', { token: 'AAAA-BBBB-CCCC' })).status).toBe(422)
    const next = await agent.post('/enrol', { token: token.toLowerCase().replace(/-/g, ' ') })
    expect(next.headers.location).toBe('/enrol/account')
    await agent.get('/enrol/account')
    const wrong = await agent.post('/enrol/account', {
      email: 'ktos@inny.example',
      password: PASSWORD,
      passwordConfirm: PASSWORD,
      consent: 'yes',
    })
    expect(wrong.status).toBe(422)
    expect(wrong.text).toContain('Token wydano dla n***@f***.example')
    const done = await agent.post('/enrol/account', {
      email: 'nowy@farma.example',
      password: PASSWORD,
      passwordConfirm: PASSWORD,
      consent: 'yes',
    })
    expect(done.headers.location).toBe('/login')
    const signInPage = (await agent.get('/login')).text
    expect(signInPage).toMatch(/data-testid="flash">[^<]+</)
    // Path 4b: the new login is filled in, and the account carries the tenant's consent.
    expect(signInPage).toContain('value="nowy@farma.example"')
    const created = await withTenant(t.db.owner, pl.id, (trx) =>
      trx('customers').where({ email: 'nowy@farma.example' }).first('consent_version', 'consent_at'),
    )
    expect(created.consent_version).toBe(1)
    expect(created.consent_at).toBeInstanceOf(Date)
    // Step 5–6: signing in opens the only service straight away.
    const login = agentFor(t.app, pl.host)
    await login.get('/login')
    const res = await login.post('/login', { login: 'nowy@farma.example', password: PASSWORD })
    expect(res.headers.location).toBe('/services/pgb')
    const service = await login.get('/services/pgb')
    expect(service.status).toBe(200)
    expect(service.text).toContain('Planowanie generacji')
    const customer = await withTenant(t.deps.db, pl.id, (trx) =>
      trx('customers').where({ email: 'nowy@farma.example' }).first(),
    )
    expect(customer).toMatchObject({ status: 'active', organisation_name: 'Farma Wiatrowa' })
  })

  it('path 4b tells an email that already has an account to sign in and use path 4a', async () => {
    await registerConfirmed(t, smtp, pl.host, 'istniejacy@farma.example', PASSWORD)
    const { token } = await issue('istniejacy@farma.example')
    const agent = agentFor(t.app, pl.host)
    await agent.get('/enrol')
    await agent.post('/enrol', { token })
    await agent.get('/enrol/account')
    const res = await agent.post('/enrol/account', {
      email: 'istniejacy@farma.example',
      password: PASSWORD,
      passwordConfirm: PASSWORD,
      consent: 'yes',
    })
    expect(res.status).toBe(409)
    expect(res.text).toContain('Masz już konto')

    // Someone else's token cannot tell whether an address has an account: a wrong email.
    const other = await issue('zupelnie-inna@farma.example')
    const prober = agentFor(t.app, pl.host)
    await prober.get('/enrol')
    await prober.post('/enrol', { token: other.token })
    await prober.get('/enrol/account')
    const probe = await prober.post('/enrol/account', {
      email: 'istniejacy@farma.example',
      password: PASSWORD,
      passwordConfirm: PASSWORD,
      consent: 'yes',
    })
    expect(probe.status).toBe(422)
    expect(probe.text).toContain('z***@f***.example')

    // Path 4a: sign in → My services → the service → Register → token → enrolled.
    const customer = await signedIn(t, pl.host, 'istniejacy@farma.example', PASSWORD)
    const denied = await customer.get('/services/pgb')
    expect(denied.status).toBe(403)
    expect(denied.text).toContain('Nie masz dostępu do usługi Planowanie generacji')
    const mine = await customer.get('/account/services')
    expect(mine.text).toContain('href="/account/services/pgb/register"')
    await customer.get('/account/services/pgb/register')
    const enrolled = await customer.post('/account/services/pgb/register', { token })
    expect(enrolled.headers.location).toBe('/services/pgb')
    expect((await customer.get('/services/pgb')).status).toBe(200)
    expect((await customer.post('/account/services/pgb/register', { token })).status).toBe(422)
  })

  it('binds a token to its email: another account is told, masked, whose it is; too many tries lock it', async () => {
    await registerConfirmed(t, smtp, pl.host, 'cudzy@inna.example', PASSWORD)
    const { token } = await issue('wlasciciel@farma.example')
    const intruder = await signedIn(t, pl.host, 'cudzy@inna.example', PASSWORD)
    await intruder.get('/account/services/pgb/register')
    const res = await intruder.post('/account/services/pgb/register', { token })
    expect(res.status).toBe(422)
    expect(res.text).toContain('Token wydano dla w***@f***.example')
    expect(res.text).not.toContain('wlasciciel@farma.example')
    const row = await withTenant(t.deps.db, pl.id, (trx) =>
      trx('enrolments').where({ email: 'wlasciciel@farma.example' }).first(),
    )
    expect(row.failed_attempts).toBe(1)
  })

  it('throttles wrong tokens per IP and account', async () => {
    await registerConfirmed(t, smtp, pl.host, 'zgadywacz@farma.example', PASSWORD)
    const agent = await signedIn(t, pl.host, 'zgadywacz@farma.example', PASSWORD)
    await agent.get('/account/services/pgb/register')
    const statuses: number[] = []
    for (let i = 0; i < 7; i++)
      statuses.push(
        (await agent.post('/account/services/pgb/register', { token: `ZZZZ-ZZZZ-ZZ${i}0` })).status,
      )
    expect(statuses.slice(0, 5)).toEqual([422, 422, 422, 422, 422])
    expect(statuses.slice(5)).toEqual([429, 429])
  })

  it('expires tokens, revokes them, and reissue voids the old token', async () => {
    const expiring = await issue('czas@farma.example')
    t.clock.advance(15 * 86_400_000)
    // Fifteen days on, the staff session has reached its absolute limit too: sign in again.
    staff = (await operatorSignIn(t, pl.host, await createOperator(t, pl.id, 'operator'))).agent
    const agent = agentFor(t.app, pl.host)
    await agent.get('/enrol')
    const expired = await agent.post('/enrol', { token: expiring.token })
    expect(expired.status).toBe(422)
    expect(expired.text).toContain('Token wygasł')

    const list = await staff.get('/admin/enrolments?status=expired')
    const row = list.text.split('<tr').find((r) => r.includes('czas@farma.example'))!
    const id = /action="\/admin\/enrolments\/([0-9a-f-]{36})"/.exec(row)![1]!
    expect((await staff.post(`/admin/enrolments/${id}`, { action: 'reissue' })).status).toBe(303)
    const reissued = await smtp.waitFor(
      (m) =>
        m.envelopeTo.includes('czas@farma.example') &&
        TOKEN.test(m.text ?? '') &&
        tokenIn(m) !== expiring.token,
    )
    const fresh = tokenIn(reissued)
    // The operator sees the new token once, as when issuing.
    const afterReissue = await staff.get('/admin/enrolments')
    expect(afterReissue.text).toContain('czas@farma.example')
    expect(/data-testid="flash-secret">([0-9A-Z-]+)</.exec(afterReissue.text)?.[1]).toBe(fresh)
    expect((await staff.get('/admin/enrolments')).text).not.toContain(fresh)
    expect((await agent.post('/enrol', { token: fresh })).headers.location).toBe('/enrol/account')

    const revoked = await issue('odwolany@farma.example')
    const pending = await staff.get('/admin/enrolments?status=pending')
    const revokeId = /action="\/admin\/enrolments\/([0-9a-f-]{36})"/.exec(
      pending.text.split('<tr').find((r) => r.includes('odwolany@farma.example'))!,
    )![1]!
    // Revoking asks first, and changes nothing until confirmed.
    const asked = await staff.post(`/admin/enrolments/${revokeId}`, { action: 'revoke' })
    expect(asked.status).toBe(200)
    expect(asked.text).toContain('odwolany@farma.example')
    expect(asked.text).toContain('value="revoke-confirmed"')
    const checked = await withTenant(t.deps.db, pl.id, (trx) =>
      trx('enrolments').where({ id: revokeId }).first('revoked_at'),
    )
    expect(checked.revoked_at).toBeNull()
    const confirmed = await staff.post(`/admin/enrolments/${revokeId}`, { action: 'revoke-confirmed' })
    expect(confirmed.status).toBe(303)
    expect((await staff.get('/admin/enrolments')).text).toContain(
      'odwolany@farma.example został unieważniony',
    )
    const fresh2 = agentFor(t.app, pl.host)
    await fresh2.get('/enrol')
    expect((await fresh2.post('/enrol', { token: revoked.token })).status).toBe(422)
    const audit = await withTenant(t.deps.db, pl.id, (trx) =>
      trx('audit_log').whereIn('action', ['enrolment.reissued', 'enrolment.revoked']).pluck('action'),
    )
    expect(audit).toEqual(expect.arrayContaining(['enrolment.reissued', 'enrolment.revoked']))
  })

  it('redeems a token exactly once under 20 concurrent attempts', async () => {
    await registerConfirmed(t, smtp, pl.host, 'wyscig@farma.example', PASSWORD)
    const { token } = await issue('wyscig@farma.example')
    const agent = await signedIn(t, pl.host, 'wyscig@farma.example', PASSWORD)
    await agent.get('/account/services/pgb/register')
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        agent.post('/account/services/pgb/register', { token }).then((r) => r.status),
      ),
    )
    expect(results.filter((s) => s === 303)).toHaveLength(1)
    expect(results.filter((s) => s !== 303).every((s) => s === 422 || s === 429)).toBe(true)
    const rows = await withTenant(t.deps.db, pl.id, (trx) =>
      trx('customer_services')
        .join('customers', 'customers.id', 'customer_services.customer_id')
        .where('customers.email', 'wyscig@farma.example'),
    )
    expect(rows).toHaveLength(1)
  })

  it('steps 5–6: a chosen default service opens after sign-in; staff can add and remove services', async () => {
    await registerConfirmed(t, smtp, pl.host, 'domyslna@farma.example', PASSWORD)
    const { token } = await issue('domyslna@farma.example')
    const customer = await signedIn(t, pl.host, 'domyslna@farma.example', PASSWORD)
    await customer.get('/account/services/pgb/register')
    await customer.post('/account/services/pgb/register', { token })
    const id = (
      await withTenant(t.deps.db, pl.id, (trx) =>
        trx('customers').where({ email: 'domyslna@farma.example' }).first(),
      )
    ).id as string
    await staff.get(`/admin/customers/${id}`)
    expect(
      (await staff.post(`/admin/customers/${id}/services`, { service: 'readings', action: 'add' })).status,
    ).toBe(303)
    // Two services and no default: the cabinet opens.
    expect(
      (await (await signedIn(t, pl.host, 'domyslna@farma.example', PASSWORD)).get('/cabinet')).status,
    ).toBe(200)
    const login = agentFor(t.app, pl.host)
    await login.get('/login')
    expect(
      (await login.post('/login', { login: 'domyslna@farma.example', password: PASSWORD })).headers.location,
    ).toBe('/cabinet')
    await customer.get('/account/services')
    expect((await customer.post('/account/services/default', { service: 'readings' })).status).toBe(303)
    const again = agentFor(t.app, pl.host)
    await again.get('/login')
    expect(
      (await again.post('/login', { login: 'domyslna@farma.example', password: PASSWORD })).headers.location,
    ).toBe('/services/readings')
    await staff.post(`/admin/customers/${id}/services`, { service: 'readings', action: 'remove' })
    expect((await customer.get('/services/readings')).status).toBe(403)
    const history = await withTenant(t.deps.db, pl.id, (trx) =>
      trx('customer_services').where({ customer_id: id, service: 'readings' }),
    )
    expect(history[0].removed_at).toBeInstanceOf(Date)
  })

  it('a token of one tenant is useless on another, and staff of one tenant cannot touch another’s enrolments', async () => {
    const { token } = await issue('izolacja@farma.example')
    const agent = agentFor(t.app, other.host)
    await agent.get('/enrol')
    expect((await agent.post('/enrol', { token })).status).toBe(422)
    const row = await withTenant(t.deps.db, pl.id, (trx) =>
      trx('enrolments').where({ email: 'izolacja@farma.example' }).first(),
    )
    const foreignStaff = (await operatorSignIn(t, other.host, await createOperator(t, other.id, 'admin')))
      .agent
    await foreignStaff.get('/admin/enrolments')
    expect((await foreignStaff.post(`/admin/enrolments/${row.id}`, { action: 'revoke' })).status).toBe(404)
    expect(
      (await foreignStaff.post(`/admin/enrolments/${row.id}`, { action: 'revoke-confirmed' })).status,
    ).toBe(404)
    expect((await foreignStaff.get('/admin/enrolments')).text).not.toContain('izolacja@farma.example')
    expect((await request(t.app).get('/services/pgb').set('Host', pl.host)).headers.location).toBe(
      '/login?next=%2Fservices%2Fpgb',
    )
  })
})
