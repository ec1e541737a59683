import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { agentFor } from '../helpers/agent.ts'
import { linkIn, pathOf } from '../helpers/accounts.ts'
import { createTenant } from '../helpers/factories.ts'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.ts'

describe('unconfirmed accounts', () => {
  it('are removed after 7 days, so the email can register again; confirmed ones stay', async () => {
    const { purgePendingAccounts } = await import('../../src/modules/accounts/purge.ts')
    const smtp = await startSmtpSink()
    const t = await createTestApp({ smtpUrl: smtp.url, mailWorker: true })
    try {
      const tenant = await createTenant(t.db.owner)
      const agent = agentFor(t.app, tenant.host)
      await agent.get('/register/account')
      const res = await agent.post('/register/account', {
        category: 'individual',
        email: 'slow@example.com',
        password: 'cierpliwość 77 lat',
        passwordConfirm: 'cierpliwość 77 lat',
        consent: 'yes',
      })
      expect(res.status).toBe(303)
      t.clock.advance(6 * 86_400_000)
      expect(await purgePendingAccounts(t.deps.db, t.clock)).toBe(0)
      t.clock.advance(2 * 86_400_000)
      expect(await purgePendingAccounts(t.deps.db, t.clock)).toBe(1)
      const rows = await withTenant(t.deps.db, tenant.id, (trx) =>
        trx('customers').where({ email: 'slow@example.com' }),
      )
      expect(rows).toEqual([])
    } finally {
      await t.close()
      await smtp.close()
    }
  })
})

describe('login names and one-time password expiry', () => {
  let smtp: SmtpSink
  let t: TestApp

  beforeAll(async () => {
    smtp = await startSmtpSink()
    t = await createTestApp({ smtpUrl: smtp.url, mailWorker: true })
  })
  afterAll(async () => {
    await t.close()
    await smtp.close()
  })

  it('signs in by a case-sensitive login name where the tenant uses them (seed 003), with composition rules', async () => {
    const cn = await createTenant(t.db.owner, {
      defaultLocale: 'zh-CN',
      phoneRegion: 'CN',
      registration: { modes: ['emailConfirmation'], oneTimePasswordDays: 7, loginName: true },
      passwordPolicy: { minLength: 8, requireComposition: true },
    })
    const agent = agentFor(t.app, cn.host)
    await agent.get('/register/account')
    const weak = await agent.post('/register/account', {
      category: 'legal',
      organisationName: '湖北清江发电有限公司',
      email: 'gen@example.cn',
      loginName: 'HubeiGen01',
      password: 'onlyletterslong',
      passwordConfirm: 'onlyletterslong',
      consent: 'yes',
    })
    expect(weak.status).toBe(422)
    expect(weak.text).toContain('密码须包含字母、数字和特殊字符')
    const badName = await agent.post('/register/account', {
      category: 'legal',
      organisationName: '湖北清江发电有限公司',
      email: 'gen@example.cn',
      loginName: 'Hubei Gen',
      password: 'Qingjiang#2026',
      passwordConfirm: 'Qingjiang#2026',
      consent: 'yes',
    })
    expect(badName.text).toContain('登录名须为 4 至 32 位字母和数字')
    // A company is asked its name (and not a person's); the form shows each kind its own fields.
    const noName = await agent.post('/register/account', {
      category: 'legal',
      email: 'gen@example.cn',
      loginName: 'HubeiGen01',
      password: 'Qingjiang#2026',
      passwordConfirm: 'Qingjiang#2026',
      consent: 'yes',
    })
    expect(noName.status).toBe(422)
    expect(noName.text).toContain('href="#organisationName"')
    expect(noName.text).toMatch(
      /<div data-party="legal">\s*<div class="govuk-form-group govuk-form-group--error">/,
    )
    expect(
      (
        await agent.post('/register/account', {
          category: 'legal',
          organisationName: '湖北清江发电有限公司',
          email: 'gen@example.cn',
          loginName: 'HubeiGen01',
          password: 'Qingjiang#2026',
          passwordConfirm: 'Qingjiang#2026',
          consent: 'yes',
        })
      ).status,
    ).toBe(303)
    const taken = await agent.post('/register/account', {
      category: 'legal',
      organisationName: '湖北清江发电有限公司',
      email: 'other@example.cn',
      loginName: 'HubeiGen01',
      password: 'Qingjiang#2027',
      passwordConfirm: 'Qingjiang#2027',
      consent: 'yes',
    })
    expect(taken.status).toBe(422)
    expect(taken.text).toContain('该登录名已被使用')
    expect(taken.text).toContain('href="#loginName"')
    expect(taken.text).toContain('value="other@example.cn"')
    expect(taken.text).not.toContain('Qingjiang#2027')

    const path = pathOf(
      linkIn(await smtp.waitFor((m) => m.envelopeTo.includes('gen@example.cn')), '/confirm/'),
    )
    await agent.get(path)
    await agent.post(path)
    const login = agentFor(t.app, cn.host)
    const page = await login.get('/login')
    expect(page.text).toContain('区分大小写')
    expect((await login.post('/login', { login: 'hubeigen01', password: 'Qingjiang#2026' })).status).toBe(422)
    expect((await login.post('/login', { login: 'HubeiGen01', password: 'Qingjiang#2026' })).status).toBe(303)
    const stored = await withTenant(t.db.owner, cn.id, (trx) =>
      trx('customers').where({ login_name: 'HubeiGen01' }).first('organisation_name', 'full_name'),
    )
    expect(stored).toEqual({ organisation_name: '湖北清江发电有限公司', full_name: null })
  })

  it('refuses an emailed one-time password after its expiry', async () => {
    const ru = await createTenant(t.db.owner, {
      defaultLocale: 'ru',
      phoneRegion: 'RU',
      registration: { modes: ['emailedPassword'], oneTimePasswordDays: 2, loginName: false },
    })
    const agent = agentFor(t.app, ru.host)
    await agent.get('/register/password')
    await agent.post('/register/password', {
      category: 'individual',
      fullName: 'Иванов Иван',
      email: 'ivan@example.ru',
      phone: '+7 912 345-67-89',
      consent: 'yes',
    })
    const mail = await smtp.waitFor((m) => m.envelopeTo.includes('ivan@example.ru'))
    const password = /Одноразовый пароль: (\S+)/.exec(mail.text ?? '')![1]!
    t.clock.advance(2 * 86_400_000 + 1000)
    const login = agentFor(t.app, ru.host)
    await login.get('/login')
    expect((await login.post('/login', { login: 'ivan@example.ru', password })).status).toBe(422)
  })

  it('throttles password-reset requests per account even when X-Forwarded-For rotates', async () => {
    const tenant = await createTenant(t.db.owner)
    const agent = agentFor(t.app, tenant.host)
    await agent.get('/password/forgot')
    const statuses: number[] = []
    for (let i = 0; i < 11; i++) {
      statuses.push(
        (
          await agent
            .post('/password/forgot', { email: 'someone@example.com' })
            .set('X-Forwarded-For', `203.0.113.${i}`)
        ).status,
      )
    }
    expect(statuses.slice(0, 5)).toEqual([303, 303, 303, 303, 303])
    expect(statuses.slice(5)).toEqual([429, 429, 429, 429, 429, 429])
  })
})
