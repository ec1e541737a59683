import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { boundPasswordHashing } from '../../src/platform/passwords.ts'
import { registerConfirmed } from '../helpers/accounts.ts'
import { agentFor } from '../helpers/agent.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { createTenant } from '../helpers/factories.ts'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.ts'

const PASSWORD = 'słoneczny poranek 12'

/** Issue 18 item 9: a burst of sign-ins is told "busy" at once instead of queueing behind the hashing. */
describe('sign-ins beyond the hashing queue', () => {
  let smtp: SmtpSink
  let t: TestApp
  let host: string
  beforeAll(async () => {
    smtp = await startSmtpSink()
    t = await createTestApp({ smtpUrl: smtp.url, mailWorker: true })
    host = (await createTenant(t.db.owner)).host
    await registerConfirmed(t, smtp, host, 'burst@example.com', PASSWORD)
  })
  afterAll(async () => {
    boundPasswordHashing()
    await t.close()
    await smtp.close()
  })

  it('answers 503 with Retry-After and a localised page, never a 500, and signs in the ones it takes', async () => {
    const agents = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const agent = agentFor(t.app, host)
        await agent.get('/login')
        return agent
      }),
    )
    boundPasswordHashing({ concurrency: 1, queue: 0 })
    const answers = await Promise.all(
      agents.map((a) => a.post('/login', { login: 'burst@example.com', password: PASSWORD })),
    )
    boundPasswordHashing()
    const statuses = answers.map((r) => r.status)
    expect(statuses).toContain(303)
    expect(statuses).toContain(503)
    expect(statuses.every((s) => s === 303 || s === 503)).toBe(true)
    const busy = answers.find((r) => r.status === 503)!
    expect(busy.headers['retry-after']).toBe('2')
    expect(busy.text).toContain('The portal is busy')
  })
})
