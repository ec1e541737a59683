import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { agentFor } from '../helpers/agent.ts'
import { linkIn, pathOf, registerConfirmed, signedIn } from '../helpers/accounts.ts'
import { createTenant } from '../helpers/factories.ts'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.ts'

const PASSWORD = 'słoneczny poranek 12'

describe('login, logout, profile and passwords', () => {
  let smtp: SmtpSink
  let t: TestApp
  let a: Awaited<ReturnType<typeof createTenant>>
  let b: Awaited<ReturnType<typeof createTenant>>
  let people = 0
  /** Each test its own customer of tenant a, so a changed password or a throttle stays with that test. */
  const person = async (name: string) => {
    people += 1
    const email = `${name}${people}@example.com`
    await registerConfirmed(t, smtp, a.host, email, PASSWORD)
    return email
  }

  beforeAll(async () => {
    smtp = await startSmtpSink()
    t = await createTestApp({ smtpUrl: smtp.url, mailWorker: true })
    a = await createTenant(t.db.owner, { defaultLocale: 'en', publicBaseUrl: 'https://portal-a.example' })
    b = await createTenant(t.db.owner, { defaultLocale: 'en' })
  })
  afterAll(async () => {
    await t.close()
    await smtp.close()
  })

  it('rotates the session on login, lands on the cabinet, and logs out only by POST', async () => {
    const jan = await person('jan')
    const agent = agentFor(t.app, a.host)
    const page = await agent.get('/login')
    const before = String(page.headers['set-cookie']).split(';')[0]!
    const res = await agent.post('/login', { login: jan.toUpperCase(), password: PASSWORD })
    expect(res.status).toBe(303)
    expect(res.headers.location).toBe('/cabinet')
    const after = String(res.headers['set-cookie']).split(';')[0]
    expect(after).not.toBe(before)
    // The pre-login cookie is anonymous.
    expect((await request(t.app).get('/cabinet').set('Host', a.host).set('Cookie', before)).status).toBe(303)

    const home = await agent.get('/cabinet')
    expect(home.status).toBe(200)
    expect(home.headers['cache-control']).toBe('no-store')
    expect(home.text).toContain(`Welcome, ${jan}`)
    expect(home.text).toContain('action="/logout"')

    expect((await agent.raw.get('/logout').set('Host', a.host)).status).toBe(404)
    const out = await agent.post('/logout')
    expect(out.status).toBe(303)
    expect((await agent.get('/cabinet')).headers.location).toBe('/login?next=%2Fcabinet')
  })

  it('gives one answer for unknown user, wrong password and pending account', async () => {
    const jan = await person('jan')
    const agent = agentFor(t.app, a.host)
    await agent.get('/register/account')
    await agent.post('/register/account', {
      category: 'individual',
      email: 'pending@example.com',
      password: PASSWORD,
      passwordConfirm: PASSWORD,
      consent: 'yes',
    })
    const answers = []
    for (const [login, password] of [
      ['nobody@example.com', PASSWORD],
      [jan, 'wrong password here'],
      ['pending@example.com', PASSWORD],
    ]) {
      const client = agentFor(t.app, a.host)
      await client.get('/login')
      const res = await client.post('/login', { login: login!, password: password! })
      answers.push({
        status: res.status,
        body: res.text.replace(/name="_csrf" value="[^"]+"/, '').replace(/value="[^"]*@example.com"/, ''),
      })
    }
    expect(answers[0]!.status).toBe(422)
    expect(answers[1]).toEqual(answers[0])
    expect(answers[2]).toEqual(answers[0])
    expect(answers[0]!.body).toContain('The login or password is incorrect')
  })

  it('honours next only for same-origin paths', async () => {
    const jan = await person('jan')
    for (const [next, expected] of [
      ['/account/profile', '/account/profile'],
      ['//evil.com', '/cabinet'],
      ['/\\evil.com', '/cabinet'],
      ['https://evil.com/', '/cabinet'],
    ]) {
      const agent = agentFor(t.app, a.host)
      await agent.get(`/login?next=${encodeURIComponent(next!)}`)
      const res = await agent.post('/login', { login: jan, password: PASSWORD, next: next! })
      expect(res.headers.location).toBe(expected)
    }
  })

  it('throttles an account after repeated failures, and releases it on its own', async () => {
    const eve = await person('eve')
    const agent = agentFor(t.app, a.host)
    await agent.get('/login')
    const statuses: number[] = []
    for (let i = 0; i < 6; i++) {
      statuses.push((await agent.post('/login', { login: eve, password: `wrong-${i}-password` })).status)
    }
    expect(statuses).toEqual([422, 422, 422, 422, 422, 429])
    const blocked = await agent.post('/login', { login: eve, password: PASSWORD })
    expect(blocked.status).toBe(429)
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0)
    // Another IP does not get around it (X-Forwarded-For is not trusted without proxies).
    const other = await agent
      .post('/login', { login: eve, password: PASSWORD })
      .set('X-Forwarded-For', '198.51.100.9')
    expect(other.status).toBe(429)
    // The block ends on its own: let its minute pass (the store's expiry, not our clock).
    await t.deps.pool.query(`UPDATE rate_limits SET expire = 1 WHERE key LIKE 'login:acct:short:%${eve}'`)
    expect((await agent.post('/login', { login: eve, password: PASSWORD })).status).toBe(303)
  })

  it('shows the profile name instead of the login once set, and validates the profile', async () => {
    const jan = await person('jan')
    const agent = await signedIn(t, a.host, jan, PASSWORD)
    await agent.get('/account/profile')
    const bad = await agent.post('/account/profile', {
      firstName: 'Jan',
      lastName: 'Kowalski',
      phone: '12',
      preferredLocale: 'xx',
    })
    expect(bad.status).toBe(422)
    expect(bad.text).toContain('Enter a phone number, like')
    expect(bad.text).toContain('Select a language from the list')
    const ok = await agent.post('/account/profile', {
      firstName: 'Jan',
      lastName: 'Kowalski',
      phone: '512 345 678',
      preferredLocale: 'pl',
    })
    expect(ok.status).toBe(303)
    const home = await agent.get('/cabinet')
    expect(home.text).toContain('Witaj, Jan Kowalski')
    expect(home.text).toContain('<html lang="pl"')
  })

  it('changes the password: needs the current one, ends other sessions, emails the user', async () => {
    const jan = await person('jan')
    const first = await signedIn(t, a.host, jan, PASSWORD)
    const second = await signedIn(t, a.host, jan, PASSWORD)
    await first.get('/account/password')
    const wrong = await first.post('/account/password', {
      currentPassword: 'not it at all',
      password: 'nowe dobre hasło 1',
      passwordConfirm: 'nowe dobre hasło 1',
    })
    expect(wrong.status).toBe(422)
    const ok = await first.post('/account/password', {
      currentPassword: PASSWORD,
      password: 'nowe dobre hasło 1',
      passwordConfirm: 'nowe dobre hasło 1',
    })
    expect(ok.status).toBe(303)
    expect((await first.get('/cabinet')).status).toBe(200)
    expect((await second.get('/cabinet')).status).toBe(303)
    const mail = await smtp.waitFor(
      (m) => m.envelopeTo.includes(jan) && /zmienione|changed/.test(m.subject ?? ''),
    )
    expect(mail.text).toContain(a.settings.supportEmail)
    await first.get('/account/password')
    await first.post('/account/password', {
      currentPassword: 'nowe dobre hasło 1',
      password: PASSWORD,
      passwordConfirm: PASSWORD,
    })
  })

  it('resets a password by an emailed link: single use, 30 minutes, ends sessions, same answer for unknown emails', async () => {
    const jan = await person('jan')
    const session = await signedIn(t, a.host, jan, PASSWORD)
    const agent = agentFor(t.app, a.host)
    await agent.get('/password/forgot')
    const known = await agent.post('/password/forgot', { email: jan })
    const unknown = await agent.post('/password/forgot', { email: 'ghost@example.com' })
    expect(known.status).toBe(303)
    expect(unknown.headers.location).toBe(known.headers.location)

    const mail = await smtp.waitFor(
      (m) =>
        m.envelopeTo.includes(jan) && /reset/i.test(m.subject ?? '') && !/changed/i.test(m.subject ?? ''),
    )
    const link = linkIn(mail, '/password/reset/')
    expect(link.startsWith('https://portal-a.example/password/reset/')).toBe(true)
    const path = pathOf(link)
    const form = await agent.get(path)
    expect(form.status).toBe(200)
    expect(form.headers['referrer-policy']).toBe('no-referrer')
    const weak = await agent.post(path, { password: 'short', passwordConfirm: 'short' })
    expect(weak.status).toBe(422)

    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        agent
          .post(path, { password: `zupełnie nowe hasło ${i}`, passwordConfirm: `zupełnie nowe hasło ${i}` })
          .then((r) => r.status),
      ),
    )
    expect(results.filter((s) => s === 303)).toHaveLength(1)
    // The others find the link used, or are refused by the link's throttle before trying.
    expect(results.filter((s) => s !== 303).every((s) => s === 410 || s === 429)).toBe(true)
    expect((await session.get('/cabinet')).status).toBe(303)
    expect((await agent.get(path)).status).toBe(410)
  })

  it('expires reset links after 30 minutes', async () => {
    const eve = await person('eve')
    const agent = agentFor(t.app, a.host)
    await agent.get('/password/forgot')
    await agent.post('/password/forgot', { email: eve })
    const mail = await smtp.waitFor((m) => m.envelopeTo.includes(eve) && /reset/i.test(m.subject ?? ''))
    const path = pathOf(linkIn(mail, '/password/reset/'))
    t.clock.advance(31 * 60_000)
    expect((await agent.get(path)).status).toBe(410)
  })

  it('does not accept a session of tenant A on tenant B', async () => {
    const eve = await person('eve')
    const agent = agentFor(t.app, a.host)
    await agent.get('/login')
    const login = await agent.post('/login', { login: eve, password: PASSWORD })
    const cookie = String(login.headers['set-cookie']).split(';')[0]!
    expect((await request(t.app).get('/cabinet').set('Host', a.host).set('Cookie', cookie)).status).toBe(200)
    const res = await request(t.app).get('/cabinet').set('Host', b.host).set('Cookie', cookie)
    expect(res.status).toBe(303)
    expect(res.headers.location).toContain('/login')
  })
})

describe('changing the email address', () => {
  let smtp: SmtpSink
  let t: TestApp
  let tenant: Awaited<ReturnType<typeof createTenant>>

  beforeAll(async () => {
    smtp = await startSmtpSink()
    t = await createTestApp({ smtpUrl: smtp.url, mailWorker: true })
    tenant = await createTenant(t.db.owner, { publicBaseUrl: 'https://portal-c.example' })
    await registerConfirmed(t, smtp, tenant.host, 'old@example.com', PASSWORD)
    await registerConfirmed(t, smtp, tenant.host, 'taken@example.com', PASSWORD)
  })
  afterAll(async () => {
    await t.close()
    await smtp.close()
  })

  it('needs the current password, confirms at the new address, tells the old one, and switches the login', async () => {
    const agent = await signedIn(t, tenant.host, 'old@example.com', PASSWORD)
    await agent.get('/account/email')
    const wrong = await agent.post('/account/email', {
      newEmail: 'new@example.com',
      currentPassword: 'not my password',
    })
    expect(wrong.status).toBe(422)
    const bad = await agent.post('/account/email', { newEmail: 'nope', currentPassword: PASSWORD })
    expect(bad.status).toBe(422)
    expect(bad.text).toContain('Enter an email address in the correct format')
    expect(
      (await agent.post('/account/email', { newEmail: 'new@example.com', currentPassword: PASSWORD })).status,
    ).toBe(303)

    const notice = await smtp.waitFor(
      (m) => m.envelopeTo.includes('old@example.com') && (m.text ?? '').includes('new@example.com'),
    )
    expect(notice.subject).toContain('change of your')
    const confirm = await smtp.waitFor((m) => m.envelopeTo.includes('new@example.com'))
    const path = pathOf(linkIn(confirm, '/account/email/confirm/'))
    const other = agentFor(t.app, tenant.host)
    await other.get(path)
    expect((await other.post(path)).status).toBe(200)
    expect((await other.post(path)).status).toBe(410)
    await smtp.waitFor((m) => m.envelopeTo.includes('old@example.com') && /was changed/.test(m.subject ?? ''))

    const login = agentFor(t.app, tenant.host)
    await login.get('/login')
    expect((await login.post('/login', { login: 'old@example.com', password: PASSWORD })).status).toBe(422)
    expect((await login.post('/login', { login: 'new@example.com', password: PASSWORD })).status).toBe(303)
  })

  it('answers the same for an address already in use, and tells that address instead', async () => {
    await registerConfirmed(t, smtp, tenant.host, 'mover@example.com', PASSWORD)
    const agent = await signedIn(t, tenant.host, 'mover@example.com', PASSWORD)
    await agent.get('/account/email')
    const res = await agent.post('/account/email', {
      newEmail: 'taken@example.com',
      currentPassword: PASSWORD,
    })
    expect(res.status).toBe(303)
    expect(res.headers.location).toBe('/account/email')
    const mail = await smtp.waitFor(
      (m) => m.envelopeTo.includes('taken@example.com') && /already has/.test(m.subject ?? ''),
    )
    expect(mail.text).not.toContain('/account/email/confirm/')
  })
})
