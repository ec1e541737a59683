import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import request from 'supertest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { createTenant } from '../helpers/factories.ts'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.ts'

describe('mail outbox', () => {
  let smtp: SmtpSink
  let t: TestApp
  let tenant: Awaited<ReturnType<typeof createTenant>>

  beforeAll(async () => {
    smtp = await startSmtpSink()
    t = await createTestApp({ smtpUrl: smtp.url, mailWorker: true })
    tenant = await createTenant(t.db.owner, {
      name: 'Сетевая компания',
      defaultLocale: 'ru',
      publicBaseUrl: 'https://lk.grid.example',
    })
  })
  afterAll(async () => {
    await t.close()
    await smtp.close()
  })

  it('sends a committed message through SMTP, once, with the outbox id as Message-ID', async () => {
    const id = await withTenant(t.deps.db, tenant.id, (trx) =>
      t.deps.outbox.enqueue(trx, tenant, {
        to: 'committed@example.com',
        template: 'test',
        locale: 'ru',
        params: { tenant: tenant.settings.name, link: tenant.settings.publicBaseUrl },
      }),
    )
    const mail = await smtp.waitFor((m) => m.envelopeTo.includes('committed@example.com'))
    expect(mail.subject).toBe('Сетевая компания: тестовое письмо')
    expect(mail.messageId).toBe(`<${id}@kabinet.localhost>`)
    expect(mail.text).toContain('https://lk.grid.example')
    expect(mail.html).toContain('Сетевая компания')
    const row = await withTenant(t.deps.db, tenant.id, (trx) => trx('outbox').where({ id }).first())
    expect(row).toMatchObject({ delivered_via: 'smtp', attempts: 1 })
    expect(row.sent_at).toBeInstanceOf(Date)
  })

  it('never sends a message written in a transaction that rolled back', async () => {
    await expect(
      withTenant(t.deps.db, tenant.id, async (trx) => {
        await t.deps.outbox.enqueue(trx, tenant, {
          to: 'rolledback@example.com',
          template: 'test',
          locale: 'en',
          params: { tenant: 'x' },
        })
        throw new Error('business rule failed after queuing the email')
      }),
    ).rejects.toThrow('business rule failed')
    // A later committed message arrives, so the worker has had its chance at the first.
    await withTenant(t.deps.db, tenant.id, (trx) =>
      t.deps.outbox.enqueue(trx, tenant, {
        to: 'after@example.com',
        template: 'test',
        locale: 'en',
        params: { tenant: 'x' },
      }),
    )
    await smtp.waitFor((m) => m.envelopeTo.includes('after@example.com'))
    expect(smtp.messages.filter((m) => m.envelopeTo.includes('rolledback@example.com'))).toEqual([])
    const rows = await withTenant(t.deps.db, tenant.id, (trx) =>
      trx('outbox').where({ to_address: 'rolledback@example.com' }),
    )
    expect(rows).toEqual([])
  })

  it('renders in the recipient’s language with the tenant’s branding', async () => {
    await withTenant(t.deps.db, tenant.id, (trx) =>
      t.deps.outbox.enqueue(trx, tenant, {
        to: 'zh@example.com',
        template: 'test',
        locale: 'zh-CN',
        params: { tenant: '湖北' },
      }),
    )
    const mail = await smtp.waitFor((m) => m.envelopeTo.includes('zh@example.com'))
    expect(mail.subject).toBe('来自湖北的测试邮件')
    expect(mail.html).toContain(tenant.settings.branding.primaryColour)
  })
})

describe('development mailbox', () => {
  let t: TestApp
  let tenant: Awaited<ReturnType<typeof createTenant>>

  beforeAll(async () => {
    t = await createTestApp({ env: { NODE_ENV: 'development' }, mailWorker: true })
    tenant = await createTenant(t.db.owner, { publicBaseUrl: 'http://demo.localhost:3000' })
  })
  afterAll(() => t.close())

  it('keeps messages without SMTP and shows them, with their links, on the tenant’s mailbox page', async () => {
    const id = await withTenant(t.deps.db, tenant.id, (trx) =>
      t.deps.outbox.enqueue(trx, tenant, {
        to: 'newcomer@example.com',
        template: 'test',
        locale: 'en',
        params: { tenant: 'Demo', link: tenant.settings.publicBaseUrl },
      }),
    )
    for (let i = 0; i < 100; i++) {
      const row = await withTenant(t.deps.db, tenant.id, (trx) => trx('outbox').where({ id }).first())
      if (row?.sent_at) break
      await new Promise((r) => setTimeout(r, 100))
    }
    const res = await request(t.app).get('/dev/mailbox').set('Host', tenant.host)
    expect(res.status).toBe(200)
    expect(res.text).toContain('newcomer@example.com')
    expect(res.text).toContain('Test message from Demo')
    expect(res.text).toContain('href="http://demo.localhost:3000"')
    expect(res.text).not.toContain('Waiting to be sent')
    const other = await createTenant(t.db.owner)
    const foreign = await request(t.app).get('/dev/mailbox').set('Host', other.host)
    expect(foreign.text).not.toContain('newcomer@example.com')
  })
})
