import type { Store } from 'express-session'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { issueEnrolment } from '../../src/modules/services/enrolment.service.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { registerConfirmed } from '../helpers/accounts.ts'
import { eagerClient } from '../helpers/eager-client.ts'
import { createTenant } from '../helpers/factories.ts'
import { createOperator, STAFF_PASSWORD } from '../helpers/operators.ts'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.ts'

const PASSWORD = 'słoneczny poranek 12'
const NEW_PASSWORD = 'wieczorny spacer nad morzem'
const ROUNDS = 5

/** Every session write takes 150 ms, so a redirect that does not wait for it is caught. */
function slowWrites(store: Store): Store {
  const set = store.set.bind(store)
  store.set = (sid, session, cb) => void setTimeout(() => set(sid, session, cb), 150)
  return store
}

describe('a change to the session is stored before the redirect that follows it', () => {
  let smtp: SmtpSink
  let t: TestApp
  let tenant: Awaited<ReturnType<typeof createTenant>>

  beforeAll(async () => {
    smtp = await startSmtpSink()
    t = await createTestApp({ smtpUrl: smtp.url, mailWorker: true, app: { wrapSessionStore: slowWrites } })
    tenant = await createTenant(t.db.owner, { enabledServices: ['pgb'] })
  })
  afterAll(async () => {
    await t.close()
    await smtp.close()
  })

  async function signedInEagerly(email: string, password: string) {
    const client = await eagerClient(t.app, tenant.host)
    await client.page('/login')
    const res = await client.post('/login', { login: email, password })
    expect(res.status).toBe(303)
    await res.text()
    return client
  }

  it('change of password and "sign out my other sessions" keep this session signed in', async () => {
    await registerConfirmed(t, smtp, tenant.host, 'jan@example.com', PASSWORD)
    let current = PASSWORD
    for (let i = 0; i < ROUNDS; i++) {
      const client = await signedInEagerly('jan@example.com', current)
      await client.page('/account/password')
      const next = current === PASSWORD ? NEW_PASSWORD : PASSWORD
      const changed = await client.post('/account/password', {
        currentPassword: current,
        password: next,
        passwordConfirm: next,
      })
      expect(changed.status).toBe(303)
      current = next
      const after = await client.get(changed.location!)
      expect(after.status).toBe(200)
      await after.text()

      await client.page('/account/profile')
      const ended = await client.post('/account/sessions/end-others', {})
      expect(ended.status).toBe(303)
      const profile = await client.get(ended.location!)
      expect(profile.status).toBe(200)
      await profile.text()
      await client.close()
    }
  })

  it('staff sign-in step 1 reaches the second factor', async () => {
    const email = await createOperator(t, tenant.id)
    for (let i = 0; i < ROUNDS; i++) {
      const client = await eagerClient(t.app, tenant.host)
      await client.page('/admin/login')
      const step = await client.post('/admin/login', { email, password: STAFF_PASSWORD })
      expect(step.status).toBe(303)
      expect(step.location).toBe('/admin/totp/setup')
      const setup = await client.get(step.location!)
      expect(setup.status).toBe(200)
      await setup.text()
      await client.close()
    }
  })

  it('path 4b "Next" with a valid token reaches the account form', async () => {
    const operatorEmail = await createOperator(t, tenant.id)
    const operatorId = await t.db.owner.transaction(async (trx) => {
      await trx.raw(`select set_config('app.tenant_id', ?, true)`, [tenant.id])
      return (await trx('operators').where({ email: operatorEmail }).first<{ id: string }>()).id
    })
    const ctx = {
      tenant,
      actor: { type: 'operator' as const, id: operatorId },
      locale: 'en' as const,
      requestId: 'test',
      ip: undefined,
    }
    for (let i = 0; i < ROUNDS; i++) {
      const issued = await issueEnrolment(t.deps, ctx, {
        service: 'pgb',
        company: 'Farma',
        email: `new${i}@example.com`,
        phone: '+48512345678',
      })
      if (issued === 'duplicate') throw new Error('a form without a submission token is never a duplicate')
      const { token } = issued
      const client = await eagerClient(t.app, tenant.host)
      await client.page('/enrol')
      const step = await client.post('/enrol', { token })
      expect(step.status).toBe(303)
      expect(step.location).toBe('/enrol/account')
      const form = await client.get(step.location!)
      expect(form.status).toBe(200)
      await form.text()
      await client.close()
    }
  })
})
