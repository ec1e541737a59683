import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { agentFor } from '../helpers/agent.ts'
import { registerConfirmed } from '../helpers/accounts.ts'
import { createTenant } from '../helpers/factories.ts'
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
})
