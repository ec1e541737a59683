import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { agentFor } from '../helpers/agent.ts'
import { linkIn, pathOf } from '../helpers/accounts.ts'
import { createTenant } from '../helpers/factories.ts'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.ts'

describe('registration', () => {
  let smtp: SmtpSink
  let t: TestApp
  let ru: Awaited<ReturnType<typeof createTenant>>
  let pl: Awaited<ReturnType<typeof createTenant>>

  const customers = (tenantId: string) => withTenant(t.deps.db, tenantId, (trx) => trx('customers').select())

  beforeAll(async () => {
    smtp = await startSmtpSink()
    t = await createTestApp({ smtpUrl: smtp.url, mailWorker: true })
    ru = await createTenant(t.db.owner, {
      name: 'Сетевая компания',
      defaultLocale: 'ru',
      phoneRegion: 'RU',
      publicBaseUrl: 'https://lk.grid.example',
      registration: {
        modes: ['emailedPassword', 'emailConfirmation'],
        oneTimePasswordDays: 7,
        loginName: false,
      },
      partyIdentifiers: [{ kind: 'ru.inn', party: 'legal', required: true }],
      consent: { version: 3, text: { ru: 'Согласен на обработку персональных данных' } },
    })
    pl = await createTenant(t.db.owner, {
      defaultLocale: 'pl',
      registration: { modes: ['emailConfirmation'], oneTimePasswordDays: 7, loginName: false },
    })
  })
  afterAll(async () => {
    await t.close()
    await smtp.close()
  })

  describe('with an emailed one-time password (seed 002)', () => {
    it('registers a legal entity, emails a one-time password, and forces a change at first login', async () => {
      const agent = agentFor(t.app, ru.host)
      const form = await agent.get('/register/password')
      expect(form.status).toBe(200)
      expect(form.text).toContain('Согласен на обработку персональных данных')
      const res = await agent.post('/register/password', {
        category: 'legal',
        organisationName: 'ООО «Ромашка»',
        email: 'Director@Romashka.example',
        phone: '8 (912) 345-67-89',
        identifier_ru_inn: '7707083893',
        consent: 'yes',
      })
      expect(res.status).toBe(303)
      expect(res.headers.location).toBe('/register/done')

      const [row] = (await customers(ru.id)).filter((c) => c.email === 'Director@Romashka.example')
      expect(row).toMatchObject({
        status: 'active',
        must_change_password: true,
        category: 'legal',
        organisation_name: 'ООО «Ромашка»',
        phone: '+79123456789',
        identifiers: { 'ru.inn': '7707083893' },
        consent_version: 3,
      })
      expect(row.consent_ip).toBeTruthy()
      expect(row.password_expires_at.getTime() - t.clock.now().getTime()).toBe(7 * 86_400_000)

      const mail = await smtp.waitFor((m) =>
        m.envelopeTo.some((to) => to.toLowerCase() === 'director@romashka.example'),
      )
      expect(mail.subject).toBe('Сетевая компания: ваша учётная запись')
      const password = /Одноразовый пароль: (\S+)/.exec(mail.text ?? '')?.[1]
      expect(password).toBeTruthy()
      expect(linkIn(mail, '/login')).toBe('https://lk.grid.example/login')

      const login = agentFor(t.app, ru.host)
      await login.get('/login')
      const signedIn = await login.post('/login', { login: 'director@romashka.example', password: password! })
      expect(signedIn.status).toBe(303)
      expect(signedIn.headers.location).toBe('/account/password')
      expect((await login.get('/cabinet')).headers.location).toBe('/account/password')
      const page = await login.get('/account/password')
      expect(page.text).toContain('Вы вошли с одноразовым паролем')
      const changed = await login.post('/account/password', {
        password: 'ромашковое поле 2026',
        passwordConfirm: 'ромашковое поле 2026',
      })
      expect(changed.status).toBe(303)
      expect(changed.headers.location).toBe('/cabinet')
      const home = await login.get('/cabinet')
      expect(home.status).toBe(200)
      expect(home.text).toContain('ООО «Ромашка»')
    })

    it('explains every invalid field beside it, with status 422, and writes nothing', async () => {
      const before = (await customers(ru.id)).length
      const agent = agentFor(t.app, ru.host)
      await agent.get('/register/password')
      const res = await agent.post('/register/password', {
        category: 'legal',
        email: 'not-an-email',
        phone: '12',
        identifier_ru_inn: '7707083894',
      })
      expect(res.status).toBe(422)
      expect(res.text).toContain('Ошибка: ')
      for (const message of [
        'Укажите наименование организации',
        'Укажите адрес в правильном формате',
        'Укажите номер телефона, например',
        'Укажите правильный ИНН',
        'Для регистрации необходимо согласие на обработку персональных данных',
      ]) {
        expect(res.text).toContain(message)
      }
      expect(res.text).toContain('href="#organisationName"')
      // The summary lists the errors in the order of the form (ИНН comes before the email).
      const summary = [...res.text.matchAll(/<a href="#([\w-]+)">/g)].map((m) => m[1]!)
      const onPage = [...summary].sort(
        (x, y) => res.text.indexOf(`id="${x}"`) - res.text.indexOf(`id="${y}"`),
      )
      expect(summary).toContain('identifier_ru_inn')
      expect(summary).toEqual(onPage)
      expect(res.text).toContain('value="not-an-email"')
      const noInn = await agent.post('/register/password', {
        category: 'legal',
        organisationName: 'X',
        email: 'a@b.example',
        phone: '+79123456789',
        consent: 'yes',
      })
      expect(noInn.status).toBe(422)
      expect(noInn.text).toContain('Укажите ИНН')
      expect((await customers(ru.id)).length).toBe(before)
    })
  })

  describe('with email confirmation (seed 004)', () => {
    it('keeps the account pending until the link’s button is pressed; opening the link consumes nothing', async () => {
      const agent = agentFor(t.app, pl.host)
      expect((await agent.get('/register')).headers.location).toBe('/register/account')
      await agent.get('/register/account')
      const res = await agent.post('/register/account', {
        category: 'individual',
        email: 'anna@example.pl',
        password: 'zielona herbata 42',
        passwordConfirm: 'zielona herbata 42',
        consent: 'yes',
      })
      expect(res.status).toBe(303)
      const [row] = (await customers(pl.id)).filter((c) => c.email === 'anna@example.pl')
      expect(row.status).toBe('pending')

      const mail = await smtp.waitFor((m) => m.envelopeTo.includes('anna@example.pl'))
      expect(mail.subject).toContain('Potwierdź adres e-mail')
      const path = pathOf(linkIn(mail, '/confirm/'))
      const login = agentFor(t.app, pl.host)
      await login.get('/login')
      expect(
        (await login.post('/login', { login: 'anna@example.pl', password: 'zielona herbata 42' })).status,
      ).toBe(422)

      const opened = await agent.get(path)
      expect(opened.status).toBe(200)
      expect(opened.headers['referrer-policy']).toBe('no-referrer')
      expect(opened.headers['cache-control']).toBe('no-store')
      await agent.get(path)
      expect((await customers(pl.id)).find((c) => c.email === 'anna@example.pl')?.status).toBe('pending')

      const confirmed = await agent.post(path)
      expect(confirmed.status).toBe(200)
      expect(confirmed.text).toContain('Adres e-mail potwierdzony')
      expect((await agent.post(path)).status).toBe(410)
      await login.get('/login')
      expect(
        (await login.post('/login', { login: 'ANNA@example.pl', password: 'zielona herbata 42' })).status,
      ).toBe(303)
    })

    it('refuses weak, mismatched and common passwords with the reason', async () => {
      const agent = agentFor(t.app, pl.host)
      await agent.get('/register/account')
      const cases: [Record<string, string>, string][] = [
        [{ password: 'krótkie', passwordConfirm: 'krótkie' }, 'Hasło musi mieć co najmniej 8 znaków'],
        [{ password: 'password123', passwordConfirm: 'password123' }, 'To hasło jest zbyt popularne'],
        [
          { password: 'marek-nowak-77', passwordConfirm: 'marek-nowak-77', email: 'marek.nowak@example.pl' },
          'nie może zawierać Twojego imienia',
        ],
        [{ password: 'dobre hasło 2026', passwordConfirm: 'inne hasło 2026' }, 'Hasła się różnią'],
      ]
      for (const [fields, message] of cases) {
        const res = await agent.post('/register/account', {
          category: 'individual',
          email: 'x@example.pl',
          consent: 'yes',
          ...fields,
        })
        expect(res.status).toBe(422)
        expect(res.text).toContain(message)
        expect(res.text).not.toContain(`value="${fields.password}"`)
      }
      expect((await customers(pl.id)).some((c) => c.email === 'x@example.pl')).toBe(false)
    })

    it('expires the link on the clock, and "send again" issues a new one that works', async () => {
      const agent = agentFor(t.app, pl.host)
      await agent.get('/register/account')
      await agent.post('/register/account', {
        category: 'individual',
        email: 'late@example.pl',
        password: 'spóźniony pociąg 9',
        passwordConfirm: 'spóźniony pociąg 9',
        consent: 'yes',
      })
      const first = pathOf(
        linkIn(await smtp.waitFor((m) => m.envelopeTo.includes('late@example.pl')), '/confirm/'),
      )
      t.clock.advance(49 * 3_600_000)
      await agent.get(first)
      expect((await agent.post(first)).status).toBe(410)

      await agent.get('/confirm-again')
      expect((await agent.post('/confirm-again', { email: 'late@example.pl' })).status).toBe(303)
      const second = pathOf(
        linkIn(
          await smtp.waitFor((m) => m.envelopeTo.includes('late@example.pl') && !m.text?.includes(first)),
          '/confirm/',
        ),
      )
      expect(second).not.toBe(first)
      await agent.get(second)
      expect((await agent.post(second)).status).toBe(200)
    })

    it('confirms exactly once under 20 concurrent presses', async () => {
      const agent = agentFor(t.app, pl.host)
      await agent.get('/register/account')
      await agent.post('/register/account', {
        category: 'individual',
        email: 'race@example.pl',
        password: 'wyścig żółwi 20',
        passwordConfirm: 'wyścig żółwi 20',
        consent: 'yes',
      })
      const path = pathOf(
        linkIn(await smtp.waitFor((m) => m.envelopeTo.includes('race@example.pl')), '/confirm/'),
      )
      await agent.get(path)
      const statuses = await Promise.all(
        Array.from({ length: 20 }, () => agent.post(path).then((r) => r.status)),
      )
      expect(statuses.filter((s) => s === 200)).toHaveLength(1)
      expect(statuses.filter((s) => s === 410)).toHaveLength(19)
      const audits = await withTenant(t.deps.db, pl.id, (trx) =>
        trx('audit_log').where({ action: 'customer.email-confirmed' }),
      )
      expect(audits.length).toBeGreaterThanOrEqual(1)
    })
  })

  it('answers a registration of an existing email exactly like a new one, and tells the owner', async () => {
    const register = async (email: string) => {
      const agent = agentFor(t.app, pl.host)
      await agent.get('/register/account')
      return agent.post('/register/account', {
        category: 'individual',
        email,
        password: 'niebieskie niebo 7',
        passwordConfirm: 'niebieskie niebo 7',
        consent: 'yes',
      })
    }
    const fresh = await register('owner@example.pl')
    await smtp.waitFor((m) => m.envelopeTo.includes('owner@example.pl'))
    const again = await register('Owner@Example.pl')
    expect(again.status).toBe(fresh.status)
    expect(again.headers.location).toBe(fresh.headers.location)
    const notice = await smtp.waitFor(
      (m) => m.envelopeTo.includes('owner@example.pl') && (m.subject ?? '').includes('Masz już konto'),
    )
    expect(notice.text).toContain('/password/forgot')
    expect((await customers(pl.id)).filter((c) => c.email.toLowerCase() === 'owner@example.pl')).toHaveLength(
      1,
    )
  })

  it('keeps customers of one tenant invisible to another', async () => {
    const onOther = agentFor(t.app, ru.host)
    await onOther.get('/login')
    expect(
      (await onOther.post('/login', { login: 'anna@example.pl', password: 'zielona herbata 42' })).status,
    ).toBe(422)
    const ruRows = await customers(ru.id)
    expect(ruRows.some((c) => c.email === 'anna@example.pl')).toBe(false)
  })
})
