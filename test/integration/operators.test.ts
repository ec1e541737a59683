import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { totpCode } from '../../src/platform/totp.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { agentFor } from '../helpers/agent.ts'
import { linkIn, pathOf, registerConfirmed, signedIn } from '../helpers/accounts.ts'
import { createTenant } from '../helpers/factories.ts'
import { STAFF_PASSWORD, createOperator, operatorSignIn } from '../helpers/operators.ts'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.ts'
import { MODULE_SETTINGS_FORM } from '../helpers/settings.ts'

describe('operators and the admin shell', () => {
  let smtp: SmtpSink
  let t: TestApp
  let a: Awaited<ReturnType<typeof createTenant>>
  let b: Awaited<ReturnType<typeof createTenant>>
  let adminEmail: string

  beforeAll(async () => {
    smtp = await startSmtpSink()
    t = await createTestApp({ smtpUrl: smtp.url, mailWorker: true })
    a = await createTenant(t.db.owner, { name: 'Alpha Grid', publicBaseUrl: 'https://alpha.example' })
    b = await createTenant(t.db.owner, { name: 'Beta Grid' })
    adminEmail = await createOperator(t, a.id, 'admin')
  })
  afterAll(async () => {
    await t.close()
    await smtp.close()
  })

  it('enrols TOTP at the first sign-in, shows ten recovery codes once, then requires a code every time', async () => {
    const { agent, secret, recoveryCodes } = await operatorSignIn(t, a.host, adminEmail)
    expect(recoveryCodes).toHaveLength(10)
    expect(new Set(recoveryCodes).size).toBe(10)
    const home = await agent.get('/admin')
    expect(home.status).toBe(200)
    expect(home.headers['cache-control']).toBe('no-store')
    expect(home.text).toContain('Staff area')

    const next = agentFor(t.app, a.host)
    await next.get('/admin/login')
    const pw = await next.post('/admin/login', { email: adminEmail, password: STAFF_PASSWORD })
    expect(pw.headers.location).toBe('/admin/login/code')
    expect((await next.get('/admin')).headers.location).toBe('/admin/login')
    await next.get('/admin/login/code')
    // The code used at enrolment is spent: it is refused even though it is still current.
    const replay = await next.post('/admin/login/code', { code: totpCode(secret, t.clock.now()) })
    expect(replay.status).toBe(422)
    expect(replay.text).toContain('The code is incorrect or has already been used')
    const recovery = await next.post('/admin/login/code', { code: recoveryCodes[0]!.toUpperCase() })
    expect(recovery.status).toBe(303)
    expect((await next.get('/admin')).status).toBe(200)

    const again = agentFor(t.app, a.host)
    await again.get('/admin/login')
    await again.post('/admin/login', { email: adminEmail, password: STAFF_PASSWORD })
    await again.get('/admin/login/code')
    expect((await again.post('/admin/login/code', { code: recoveryCodes[0]! })).status).toBe(422)

    const out = await agent.post('/admin/logout')
    expect(out.headers.location).toBe('/admin/login')
    expect((await agent.get('/admin')).headers.location).toBe('/admin/login')
  })

  it('gives one answer for unknown staff, wrong password and disabled staff, and throttles', async () => {
    const agent = agentFor(t.app, a.host)
    await agent.get('/admin/login')
    const unknown = await agent.post('/admin/login', {
      email: 'nobody@staff.example',
      password: STAFF_PASSWORD,
    })
    const wrong = await agent.post('/admin/login', { email: adminEmail, password: 'not the password' })
    expect(unknown.status).toBe(422)
    expect(wrong.status).toBe(422)
    expect(wrong.text.replace(/value="[^"]*"/g, '')).toBe(unknown.text.replace(/value="[^"]*"/g, ''))
    const target = await createOperator(t, a.id, 'operator')
    const statuses = []
    for (let i = 0; i < 6; i++)
      statuses.push((await agent.post('/admin/login', { email: target, password: `bad ${i}` })).status)
    expect(statuses).toEqual([422, 422, 422, 422, 422, 429])
  })

  it('keeps customers and other tenants’ staff out; operators without the admin role out of admin pages', async () => {
    const customer = await registerConfirmed(
      t,
      smtp,
      a.host,
      'customer@alpha.example',
      'długie hasło klienta 1',
    )
    void customer
    const cAgent = await signedIn(t, a.host, 'customer@alpha.example', 'długie hasło klienta 1')
    for (const path of ['/admin', '/admin/customers', '/admin/settings']) {
      expect((await cAgent.get(path)).headers.location).toBe('/admin/login')
    }

    const { agent, cookie } = await operatorSignIn(t, a.host, await createOperator(t, a.id, 'admin'))
    expect((await agent.get('/admin')).status).toBe(200)
    expect((await request(t.app).get('/admin').set('Host', a.host).set('Cookie', cookie)).status).toBe(200)
    for (const path of ['/admin', '/admin/customers', '/admin/settings']) {
      const onB = await request(t.app).get(path).set('Host', b.host).set('Cookie', cookie)
      expect(onB.status).toBe(404)
    }

    const { agent: op } = await operatorSignIn(t, a.host, await createOperator(t, a.id, 'operator'))
    expect((await op.get('/admin/customers')).status).toBe(200)
    expect((await op.get('/admin/settings')).status).toBe(404)
    expect((await op.get('/admin/operators')).status).toBe(404)
  })

  it('finds customers, disables one (ending their sessions), and audits it', async () => {
    await registerConfirmed(t, smtp, a.host, 'target@alpha.example', 'długie hasło klienta 2')
    const customer = await signedIn(t, a.host, 'target@alpha.example', 'długie hasło klienta 2')
    const { agent } = await operatorSignIn(t, a.host, await createOperator(t, a.id, 'operator'))
    const list = await agent.get('/admin/customers?q=target')
    expect(list.text).toContain('target@alpha.example')
    expect(list.text).not.toContain('customer@alpha.example')
    const id = /href="\/admin\/customers\/([0-9a-f-]{36})"/.exec(list.text)![1]!
    await agent.get(`/admin/customers/${id}`)
    const disabled = await agent.post(`/admin/customers/${id}`, { action: 'disable' })
    expect(disabled.status).toBe(303)
    expect((await customer.get('/cabinet')).status).toBe(303)
    const relogin = agentFor(t.app, a.host)
    await relogin.get('/login')
    expect(
      (await relogin.post('/login', { login: 'target@alpha.example', password: 'długie hasło klienta 2' }))
        .status,
    ).toBe(422)
    const audit = await withTenant(t.deps.db, a.id, (trx) =>
      trx('audit_log').where({ action: 'customer.staff.disable', target_id: id }),
    )
    expect(audit).toHaveLength(1)
    expect(audit[0].actor_type).toBe('operator')
    // An id from another tenant, or a made-up one, is simply not there.
    expect((await agent.get('/admin/customers/00000000-0000-4000-8000-000000000000')).status).toBe(404)
  })

  it('validates tenant settings as a whole, refuses low-contrast colours, saves and audits valid ones', async () => {
    const { agent } = await operatorSignIn(t, a.host, await createOperator(t, a.id, 'admin'))
    const page = await agent.get('/admin/settings')
    expect(page.text).toContain('In force now: 8.')
    const base = {
      name: 'Alpha Grid',
      defaultLocale: 'en',
      timeZone: 'Europe/Warsaw',
      primaryColour: '#1d70b8',
      supportEmail: 'help@alpha.example',
      publicBaseUrl: 'https://alpha.example',
      registrationModes: 'emailConfirmation',
      oneTimePasswordDays: '7',
      minLength: '8',
      enrolmentDays: '14',
      ...MODULE_SETTINGS_FORM,
    }
    const bad = await agent.post('/admin/settings', {
      ...base,
      primaryColour: '#ffdd00',
      timeZone: 'Mars/Base',
      minLength: 'ten',
      registrationModes: [],
    })
    expect(bad.status).toBe(422)
    for (const message of [
      'Choose a darker colour',
      'Enter a time zone such as Europe/Warsaw',
      'Enter a whole number from 1 to 64',
      'Choose at least one way to register',
    ]) {
      expect(bad.text).toContain(message)
    }
    expect((await request(t.app).get('/').set('Host', a.host)).text).toContain('Alpha Grid')

    const ok = await agent.post('/admin/settings', {
      ...base,
      name: 'Alpha Grid Online',
      minLength: '12',
      consent_en: 'New consent text',
      identifiersAsked: ['pl.nip', 'pl.pesel'],
      identifiersRequired: 'pl.nip',
    })
    expect(ok.status).toBe(303)
    expect((await request(t.app).get('/').set('Host', a.host)).text).toContain('Alpha Grid Online')
    const saved = await withTenant(t.deps.db, a.id, (trx) => trx('tenants').where({ id: a.id }).first())
    expect(saved.settings.passwordPolicy.minLength).toBe(12)
    expect(saved.settings.consent).toEqual({ version: 2, text: { en: 'New consent text' } })
    expect(saved.settings.partyIdentifiers).toEqual([
      { kind: 'pl.nip', party: 'legal', required: true },
      { kind: 'pl.pesel', party: 'individual', required: false },
    ])
    const audit = await withTenant(t.deps.db, a.id, (trx) =>
      trx('audit_log').where({ action: 'tenant.settings-updated' }).first(),
    )
    expect(audit.details.changed).toEqual(
      expect.arrayContaining(['name', 'passwordPolicy', 'consent', 'partyIdentifiers']),
    )
  })

  it('invites staff by email; the link sets a password once; roles change; nobody changes themselves', async () => {
    const { agent } = await operatorSignIn(t, a.host, await createOperator(t, a.id, 'admin'))
    await agent.get('/admin/operators')
    const dup = await agent.post('/admin/operators', { name: 'Dup', email: adminEmail, role: 'operator' })
    expect(dup.status).toBe(422)
    expect(dup.text).toContain('This email already belongs to a staff member')
    expect(
      (
        await agent.post('/admin/operators', {
          name: 'Nina Nowak',
          email: 'nina@staff.example',
          role: 'operator',
        })
      ).status,
    ).toBe(303)
    const mail = await smtp.waitFor((m) => m.envelopeTo.includes('nina@staff.example'))
    const link = linkIn(mail, '/admin/set-password/')
    expect(link.startsWith('https://alpha.example/admin/set-password/')).toBe(true)
    const nina = agentFor(t.app, a.host)
    await nina.get(pathOf(link))
    expect(
      (
        await nina.post(pathOf(link), {
          password: 'nina ma kota i psa',
          passwordConfirm: 'nina ma kota i psa',
        })
      ).status,
    ).toBe(303)
    expect(
      (
        await nina.post(pathOf(link), {
          password: 'inne hasło niny 22',
          passwordConfirm: 'inne hasło niny 22',
        })
      ).status,
    ).toBe(410)
    await nina.get('/admin/login')
    expect(
      (await nina.post('/admin/login', { email: 'nina@staff.example', password: 'nina ma kota i psa' }))
        .headers.location,
    ).toBe('/admin/totp/setup')

    const list = await agent.get('/admin/operators')
    const ninaRow = list.text.split('<tr').find((row) => row.includes('Nina Nowak')) ?? ''
    const ninaId = /action="\/admin\/operators\/([0-9a-f-]{36})"/.exec(ninaRow)?.[1]
    expect(ninaId).toBeTruthy()
    expect((await agent.post(`/admin/operators/${ninaId}`, { action: 'role', role: 'admin' })).status).toBe(
      303,
    )
    const row = await withTenant(t.deps.db, a.id, (trx) =>
      trx('operators').where({ email: 'nina@staff.example' }).first(),
    )
    expect(row.role).toBe('admin')

    const me = await withTenant(t.deps.db, a.id, (trx) =>
      trx('operators')
        .whereNot({ email: 'nina@staff.example' })
        .where({ role: 'admin' })
        .orderBy('created_at', 'desc')
        .first(),
    )
    const self = await agent.post(`/admin/operators/${me.id}`, { action: 'disable' })
    expect(self.status).toBe(422)
    expect(self.text).toContain('You cannot change your own role or access')

    expect((await agent.post(`/admin/operators/${ninaId}`, { action: 'disable' })).status).toBe(303)
    const disabled = agentFor(t.app, a.host)
    await disabled.get('/admin/login')
    const refused = await disabled.post('/admin/login', {
      email: 'nina@staff.example',
      password: 'nina ma kota i psa',
    })
    expect(refused.status).toBe(422)
    expect(refused.text).toContain('The login or password is incorrect')
  })
})
