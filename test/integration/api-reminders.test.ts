import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { remindTokens } from '../../src/modules/api/reminders.ts'
import { registerConfirmed, signedIn } from '../helpers/accounts.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { createTenant } from '../helpers/factories.ts'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.ts'

const PASSWORD = 'przypomnienie o tokenie'
const DAY = 86_400_000

/** Issue 22 item 1: the creator hears 14 and 3 days before a token stops working, once each. */
describe('API token expiry reminders', () => {
  let smtp: SmtpSink
  let t: TestApp
  let tenant: Awaited<ReturnType<typeof createTenant>>

  beforeAll(async () => {
    smtp = await startSmtpSink()
    t = await createTestApp({ smtpUrl: smtp.url, mailWorker: true })
    tenant = await createTenant(t.db.owner, { defaultLocale: 'en' })
  })
  afterAll(async () => {
    await t.close()
    await smtp.close()
  })

  it('emails the creator in their language at 14 and at 3 days, once each, and never for a revoked token', async () => {
    await registerConfirmed(t, smtp, tenant.host, 'skrypt@example.com', PASSWORD)
    const agent = await signedIn(t, tenant.host, 'skrypt@example.com', PASSWORD)
    await agent.get('/account/profile?lang=pl')
    const make = async (name: string, expiresOn: string) => {
      await agent.get('/account/api-tokens')
      const res = await agent.post('/account/api-tokens', { name, scopes: ['applications:read'], expiresOn })
      expect(res.status).toBe(200)
    }
    // The test clock: 21 November 2026, 09:00 UTC.
    await make('Ten days', '2026-11-30')
    await make('Two days', '2026-11-22')
    await make('Two months', '2027-01-20')
    await make('Revoked', '2026-11-25')
    const page = await agent.get('/account/api-tokens')
    const revoked = /api-tokens\/([0-9a-f-]{36})\/revoke/.exec(page.text.slice(page.text.indexOf('Revoked')))
    expect(revoked).not.toBeNull()
    expect((await agent.post(`/account/api-tokens/${revoked![1]!}/revoke`)).status).toBe(303)

    const first = await remindTokens(t.deps, tenant)
    expect(first).toBe(2)
    expect(await remindTokens(t.deps, tenant)).toBe(0)
    const mails = async (count: number) => {
      await expect
        .poll(() => smtp.messages.filter((m) => /Token API/.test(m.subject ?? '')).length, {
          timeout: 15_000,
        })
        .toBe(count)
      return smtp.messages.filter((m) => /Token API/.test(m.subject ?? '')).map((m) => m.subject)
    }
    expect((await mails(2)).sort()).toEqual([
      `Token API „Ten days” w ${tenant.settings.name} wygasa 30 listopada 2026`,
      `Token API „Two days” w ${tenant.settings.name} wygasa 22 listopada 2026`,
    ])
    t.clock.advance(7 * DAY)
    try {
      expect(await remindTokens(t.deps, tenant)).toBe(1)
      expect(await remindTokens(t.deps, tenant)).toBe(0)
      expect(await mails(3)).toHaveLength(3)
    } finally {
      t.clock.advance(-7 * DAY)
    }
  })
})
