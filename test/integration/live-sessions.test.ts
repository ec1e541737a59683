import type http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { registerConfirmed, signedIn } from '../helpers/accounts.ts'
import { cookieOf } from '../helpers/agent.ts'
import { READING, postApplication, seedType } from '../helpers/applications.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { createTenant } from '../helpers/factories.ts'
import { createOperator, operatorSignIn } from '../helpers/operators.ts'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.ts'
import { openStream } from '../helpers/sse.ts'

const PASSWORD = 'słoneczny poranek 12'

/**
 * A live stream shows message bodies and file names: it must close when its session
 * ends, however it ends, on whichever process holds it. The pages act on process one;
 * the streams are open on process two.
 */
describe('live streams end with their session, on every process', () => {
  let smtp: SmtpSink
  let one: TestApp
  let two: TestApp
  let server: http.Server
  let port: number
  let tenant: Awaited<ReturnType<typeof createTenant>>
  let admin: string
  let signedAdmin: Awaited<ReturnType<typeof operatorSignIn>>['agent'] | undefined
  const boss = async () => (signedAdmin ??= (await operatorSignIn(one, tenant.host, admin)).agent)

  /** A customer of their own (so no test depends on another), with an application to follow. */
  async function customerWithApplication(email: string) {
    await registerConfirmed(one, smtp, tenant.host, email, PASSWORD)
    const agent = await signedIn(one, tenant.host, email, PASSWORD)
    const sent = await postApplication(agent, '/services/applications/new/reading', {
      text: 'Read it',
      action: 'submit',
    })
    const id = /applications\/([0-9a-f-]{36})\/sent/.exec(sent.headers.location!)![1]!
    const customerId = await withTenant(one.db.owner, tenant.id, async (trx) =>
      String((await trx('customers').where({ email }).first('id')).id),
    )
    return { agent, id, customerId }
  }
  const follow = (agent: { raw: unknown }, path: string) =>
    openStream(port, tenant.host, path, { Cookie: cookieOf(agent) })

  beforeAll(async () => {
    smtp = await startSmtpSink()
    one = await createTestApp({ smtpUrl: smtp.url, mailWorker: true })
    two = await createTestApp({ smtpUrl: smtp.url, database: one.db })
    tenant = await createTenant(one.db.owner)
    await seedType(one.db.owner, tenant.id, 'reading', READING)
    admin = await createOperator(one, tenant.id, 'admin')
    server = two.app.listen(0)
    await new Promise((r) => server.once('listening', r))
    port = (server.address() as AddressInfo).port
  })
  afterAll(async () => {
    server.closeAllConnections()
    server.close()
    await two.close()
    await one.close()
    await smtp.close()
  })

  it('closes a customer’s stream when they sign out', async () => {
    const { agent, id } = await customerWithApplication('signout@example.com')
    const stream = await follow(agent, `/services/applications/${id}/live`)
    expect(stream.status).toBe(200)
    await agent.get('/account/profile')
    expect((await agent.post('/logout')).status).toBe(303)
    await stream.waitForEnd(2_000)
  })

  it('closes the other sessions’ streams on “sign out other sessions”, and keeps this one working', async () => {
    const { agent, id } = await customerWithApplication('others@example.com')
    const elsewhere = await signedIn(one, tenant.host, 'others@example.com', PASSWORD)
    const stream = await follow(elsewhere, `/services/applications/${id}/live`)
    expect(stream.status).toBe(200)
    await agent.get('/account/sessions')
    expect((await agent.post('/account/sessions/end-others')).status).toBe(303)
    await stream.waitForEnd(2_000)
    const refused = await follow(elsewhere, `/services/applications/${id}/live`)
    expect(refused.status).not.toBe(200)
    refused.close()
    const mine = await follow(agent, `/services/applications/${id}/live`)
    expect(mine.status).toBe(200)
    mine.close()
  })

  it.each(['end-sessions', 'disable'])('closes a customer’s stream when staff %s', async (action) => {
    const { agent, id, customerId } = await customerWithApplication(`${action}@example.com`)
    const stream = await follow(agent, `/services/applications/${id}/live`)
    expect(stream.status).toBe(200)
    const staff = await boss()
    await staff.get(`/admin/customers/${customerId}`)
    expect((await staff.post(`/admin/customers/${customerId}`, { action })).status).toBe(303)
    await stream.waitForEnd(2_000)
  })

  it('closes a staff stream when the operator signs out, and when an administrator disables them', async () => {
    const { id } = await customerWithApplication('staffside@example.com')
    const email = await createOperator(one, tenant.id, 'operator')
    const { agent: operator, secret } = await operatorSignIn(one, tenant.host, email)
    const first = await follow(operator, `/admin/applications/${id}/live`)
    expect(first.status).toBe(200)
    await operator.get('/admin/applications')
    expect((await operator.post('/admin/logout')).status).toBe(303)
    await first.waitForEnd(2_000)

    const { agent: again } = await operatorSignIn(one, tenant.host, email, secret)
    const second = await follow(again, `/admin/applications/${id}/live`)
    expect(second.status).toBe(200)
    const operatorId = await withTenant(one.db.owner, tenant.id, async (trx) =>
      String((await trx('operators').where({ email }).first('id')).id),
    )
    const administrator = await boss()
    await administrator.get('/admin/operators')
    expect((await administrator.post(`/admin/operators/${operatorId}`, { action: 'disable' })).status).toBe(
      303,
    )
    await second.waitForEnd(2_000)
  })

  it('closes a stream whose session left the store without a word (expired, or a notification lost)', async () => {
    // A third process that re-checks every 300 ms; the others re-check every 10 s.
    const three = await createTestApp({ smtpUrl: smtp.url, database: one.db, liveRecheckMs: 300 })
    const other = three.app.listen(0)
    try {
      await new Promise((r) => other.once('listening', r))
      const { agent, id } = await customerWithApplication('expired@example.com')
      const stream = await openStream(
        (other.address() as AddressInfo).port,
        tenant.host,
        `/services/applications/${id}/live`,
        { Cookie: cookieOf(agent) },
      )
      expect(stream.status).toBe(200)
      const sid = decodeURIComponent(cookieOf(agent).split('=')[1]!).slice(2).split('.')[0]!
      expect(await one.db.owner('session').where({ sid }).delete()).toBe(1)
      await stream.waitForEnd(2_000)
    } finally {
      other.closeAllConnections()
      other.close()
      await three.close()
    }
  })
})
