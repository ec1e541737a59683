import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { hashTypedToken } from '../../src/platform/typed-token.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { agentFor } from '../helpers/agent.ts'
import { registerConfirmed } from '../helpers/accounts.ts'
import { createTenant } from '../helpers/factories.ts'
import { createOperator, operatorSignIn } from '../helpers/operators.ts'
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '../helpers/smtp.ts'
import { MODULE_SETTINGS_FORM } from '../helpers/settings.ts'

const PASSWORD = 'a newcomer walks in the portal'

/** The settings form as an administrator would send it back, with some fields changed. */
function settingsForm(overrides: Record<string, unknown> = {}) {
  return {
    name: 'Сетевая компания',
    defaultLocale: 'ru',
    timeZone: 'Europe/Moscow',
    primaryColour: '#8c1d18',
    supportEmail: 'support@grid.example',
    publicBaseUrl: 'https://grid.example',
    registrationModes: 'emailConfirmation',
    oneTimePasswordDays: '7',
    minLength: '8',
    enrolmentDays: '14',
    ...MODULE_SETTINGS_FORM,
    access_applications: 'open',
    access_readings: 'open',
    access_pgb: 'token',
    access_market: 'review',
    consent_ru: 'Я даю согласие на обработку данных.',
    consent_en: 'I consent.',
    ...overrides,
  }
}

describe('what a newcomer meets', () => {
  let t: TestApp
  let smtp: SmtpSink
  let ru: Awaited<ReturnType<typeof createTenant>>

  beforeAll(async () => {
    smtp = await startSmtpSink()
    t = await createTestApp({ smtpUrl: smtp.url, mailWorker: true })
    ru = await createTenant(t.db.owner, {
      name: 'Сетевая компания',
      defaultLocale: 'ru',
      enabledServices: ['applications', 'readings', 'market'],
      consent: { version: 1, text: { ru: 'Я даю согласие на обработку данных.', en: 'I consent.' } },
    })
  })
  afterAll(async () => {
    await t.close()
    await smtp.close()
  })

  it('gives a new customer the services open to all at once, and says how to get the others', async () => {
    const customer = await registerConfirmed(t, smtp, ru.host, 'new@consumer.example', PASSWORD)
    await customer.get('/login')
    expect(
      (await customer.post('/login', { login: 'new@consumer.example', password: PASSWORD })).headers.location,
    ).toBe('/cabinet')
    const cabinet = await customer.get('/cabinet?lang=en')
    expect(cabinet.text).toContain('href="/services/applications">Applications</a>')
    expect(cabinet.text).toContain('href="/services/readings">Meter readings</a>')
    expect(cabinet.text).toMatch(
      /Market membership<\/span> <strong[^>]*>Not registered<\/strong> <a class="govuk-link" href="\/services\/market">How to get access/,
    )
    expect((await customer.get('/services/readings')).status).toBe(200)

    // Market membership is applied for in its own registration, which its page points to.
    const market = await customer.get('/services/market?lang=en')
    expect(market.status).toBe(403)
    expect(market.text).toContain(
      'Register your company as a power user, generation company or retail supplier',
    )
    expect(market.text).toContain('href="/services/market/registration"')
    expect(market.text).not.toContain('I have a token')
    const form = await customer.get('/access-request?service=market&lang=en')
    expect(form.text).toMatch(/value="market" checked/)
    expect(form.text).not.toContain('value="applications"')

    // The administrator puts readings behind a token: the customer no longer has it.
    const { agent: admin } = await operatorSignIn(t, ru.host, await createOperator(t, ru.id, 'admin'))
    await admin.get('/admin/settings')
    expect((await admin.post('/admin/settings', settingsForm({ access_readings: 'token' }))).status).toBe(303)
    const readings = await customer.get('/services/readings?lang=en')
    expect(readings.status).toBe(403)
    expect(readings.text).toContain('I have a token: register')
    const crafted = await admin.post('/admin/settings', settingsForm({ access_readings: 'everyone' }))
    expect(crafted.status).toBe(422)
    expect(crafted.text).toContain('Выберите, кому доступна услуга')
  })

  it('shows a tenant text in the reader’s language, or in the tenant’s own marked with lang', async () => {
    const ownLanguage = await request(t.app).get('/register/account?lang=ru').set('Host', ru.host)
    expect(ownLanguage.text).toMatch(/checkboxes__label"\s+for="consent">\s*Я даю согласие/)
    const english = await request(t.app).get('/register/account?lang=en').set('Host', ru.host)
    expect(english.text).toMatch(/checkboxes__label"\s+for="consent">\s*I consent\./)
    const polish = await request(t.app).get('/register/account?lang=pl').set('Host', ru.host)
    expect(polish.text).toMatch(/checkboxes__label"\s+lang="ru"\s+for="consent">\s*Я даю согласие/)

    const { agent: admin } = await operatorSignIn(t, ru.host, await createOperator(t, ru.id, 'admin'))
    const settings = await admin.get('/admin/settings?lang=en')
    const missing = [...settings.text.matchAll(/id="consent_([\w-]+)-hint"/g)].map((m) => m[1])
    expect(missing).toEqual(['pl', 'zh-CN'])
    expect(settings.text).toContain('readers of this language are shown this version instead: Русский')
  })

  it('links the tenant’s privacy, cookies, accessibility and contact pages in the footer', async () => {
    // The contact is the tenant's support address, whatever another test saved for it.
    const support = (await t.deps.tenants.byHost(ru.host))!.settings.supportEmail
    const before = await request(t.app).get('/?lang=en').set('Host', ru.host)
    expect(before.text).toContain(`href="mailto:${support}">Contact</a>`)
    expect(before.text).not.toContain('>Privacy</a>')

    const { agent: admin } = await operatorSignIn(t, ru.host, await createOperator(t, ru.id, 'admin'))
    await admin.get('/admin/settings')
    const bad = await admin.post('/admin/settings', settingsForm({ link_privacy: 'javascript:alert(1)' }))
    expect(bad.status).toBe(422)
    expect(bad.text).toContain('href="#link_privacy"')
    const ok = await admin.post(
      '/admin/settings',
      settingsForm({
        link_privacy: 'https://grid.example/privacy',
        link_accessibility: 'https://grid.example/accessibility',
      }),
    )
    expect(ok.status).toBe(303)
    const after = await request(t.app).get('/?lang=en').set('Host', ru.host)
    expect(after.text).toContain('href="https://grid.example/privacy">Privacy</a>')
    expect(after.text).toContain('href="https://grid.example/accessibility">Accessibility statement</a>')
    expect(after.text).not.toContain('>Cookies</a>')
  })

  it('lets an office behind one address keep using /enrol after its neighbours’ typos; a token stays strict', async () => {
    const token = 'K7QM-9XAB-2FNE'
    await withTenant(t.db.owner, ru.id, (trx) =>
      trx('enrolments').insert({
        tenant_id: ru.id,
        service: 'market',
        company: 'ООО «Офис»',
        email: 'office@firm.example',
        token_hash: hashTypedToken(token),
        created_at: new Date(),
        expires_at: new Date(Date.now() + 86_400_000),
      }),
    )
    const office = agentFor(t.app, ru.host)
    await office.get('/enrol')
    for (let i = 0; i < 25; i++) {
      const typo = `AAAA-BBBB-${'CDEFGHJKMNPQRSTVWXYZ'[i % 20]}${'CDEFG'[Math.floor(i / 20)]}CC`
      expect((await office.post('/enrol', { token: typo })).status).toBe(422)
    }
    expect((await office.post('/enrol', { token })).headers.location).toBe('/enrol/account')
    // The same wrong token over and over is still stopped after five tries.
    const guesser = agentFor(t.app, ru.host)
    await guesser.get('/enrol')
    const answers = []
    for (let i = 0; i < 6; i++)
      answers.push((await guesser.post('/enrol', { token: 'ZZZZ-YYYY-XXXX' })).status)
    expect(answers).toEqual([422, 422, 422, 422, 422, 429])
  })

  it('keeps a signed-in customer’s language in the profile: the header links change it, an old cookie does not', async () => {
    const email = 'language@consumer.example'
    const customer = await registerConfirmed(t, smtp, ru.host, email, PASSWORD)
    await customer.get('/login')
    await customer.post('/login', { login: email, password: PASSWORD })
    expect((await customer.get('/cabinet?lang=zh-CN')).text).toContain('<html lang="zh-CN"')
    const stored = await withTenant(t.db.owner, ru.id, (trx) =>
      trx('customers').where({ email }).first('preferred_locale'),
    )
    expect(stored.preferred_locale).toBe('zh-CN')

    // Another browser that last chose English before signing in.
    const other = agentFor(t.app, ru.host)
    await other.get('/login?lang=en')
    await other.post('/login', { login: email, password: PASSWORD })
    const page = await other.get('/account/profile')
    expect(page.text).toContain('<html lang="zh-CN"')
    expect(page.text).toContain('href="/account/services"')
    // With no default chosen, "none" is the selected default; phones read as people write them.
    const mine = await other.get('/account/services')
    expect(mine.text).toMatch(/id="service" name="service" type="radio" value="" checked/)
    await other.post('/account/profile', {
      firstName: 'Анна',
      lastName: 'Иванова',
      phone: '+79123456789',
      preferredLocale: 'zh-CN',
    })
    expect((await other.get('/account/profile')).text).toContain('value="+7 912 345 67 89"')
  })

  it('sends a new one-time password when asked to send the email again, and hints at it on a failed sign-in', async () => {
    const emailed = await createTenant(t.db.owner, {
      defaultLocale: 'ru',
      phoneRegion: 'RU',
      registration: { modes: ['emailedPassword'], oneTimePasswordDays: 7, loginName: false },
    })
    const agent = agentFor(t.app, emailed.host)
    await agent.get('/register/password')
    const email = 'again@romashka.example'
    const registered = await agent.post('/register/password', {
      category: 'individual',
      fullName: 'Иван Петров',
      email,
      phone: '+79123456780',
      consent: 'yes',
    })
    expect(registered.status).toBe(303)
    const passwordIn = (m: ReceivedMail) => /Одноразовый пароль: (\S+)/.exec(m.text ?? '')?.[1]
    const first = passwordIn(await smtp.waitFor((m) => m.envelopeTo.includes(email)))!

    const login = agentFor(t.app, emailed.host)
    await login.get('/login')
    const failed = await login.post('/login', { login: email, password: 'not the password at all' })
    expect(failed.status).toBe(422)
    expect(failed.text).toContain('Недавно зарегистрировались?')
    expect(failed.text).toContain('href="/confirm-again"')

    await agent.get('/confirm-again')
    expect((await agent.post('/confirm-again', { email })).status).toBe(303)
    const second = passwordIn(
      await smtp.waitFor((m) => m.envelopeTo.includes(email) && passwordIn(m) !== first),
    )!
    expect(second).not.toBe(first)
    expect((await login.post('/login', { login: email, password: first })).status).toBe(422)
    expect((await login.post('/login', { login: email, password: second })).headers.location).toBe(
      '/account/password',
    )
  })
})
