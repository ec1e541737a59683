import type http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { mailUnreadMessages } from '../../src/modules/applications/chat.service.ts'
import { registerConfirmed, signedIn } from '../helpers/accounts.ts'
import { cookieOf } from '../helpers/agent.ts'
import { PDF, READING, multipart, postApplication, seedType } from '../helpers/applications.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { createTenant } from '../helpers/factories.ts'
import { createOperator, operatorSignIn } from '../helpers/operators.ts'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.ts'
import { openStream } from '../helpers/sse.ts'

const PASSWORD = 'słoneczny poranek 12'

describe('applications: the conversation, live across two app processes', () => {
  let smtp: SmtpSink
  let one: TestApp
  let two: TestApp
  let server: http.Server
  let port: number
  let worlds = 0
  const sendAs = async (
    agent: Awaited<ReturnType<typeof signedIn>>,
    path: string,
    body: string,
    files: [string, Buffer][] = [],
  ) => {
    await agent.get(path)
    let req = multipart(agent, `${path}/messages`).field('body', body)
    for (const [name, content] of files) req = req.attach('files', content, { filename: name })
    return req
  }
  /**
   * Each test its own tenant: a customer with one submitted application, another customer
   * and an operator — so no test reads what another wrote, and the unread-message job
   * counts only this test's conversations.
   */
  const world = async () => {
    worlds += 1
    const tenant = await createTenant(one.db.owner)
    await seedType(one.db.owner, tenant.id, 'reading', READING)
    const mariaEmail = `maria${worlds}@example.com`
    const piotrEmail = `piotr${worlds}@example.com`
    await registerConfirmed(one, smtp, tenant.host, mariaEmail, PASSWORD)
    await registerConfirmed(one, smtp, tenant.host, piotrEmail, PASSWORD)
    const staffEmail = await createOperator(one, tenant.id, 'operator')
    const maria = (app = one) => signedIn(app, tenant.host, mariaEmail, PASSWORD)
    const sent = await postApplication(await maria(), '/services/applications/new/reading', {
      text: 'Read it',
      action: 'submit',
    })
    const id = /applications\/([0-9a-f-]{36})\/sent/.exec(sent.headers.location!)![1]!
    let signedStaff: Awaited<ReturnType<typeof operatorSignIn>>['agent'] | undefined
    return {
      tenant,
      id,
      mariaEmail,
      maria,
      piotr: () => signedIn(one, tenant.host, piotrEmail, PASSWORD),
      staff: async () => (signedStaff ??= (await operatorSignIn(one, tenant.host, staffEmail)).agent),
      messages: () =>
        withTenant(one.db.owner, tenant.id, (trx) =>
          trx('application_messages')
            .where({ application_id: id })
            .orderBy('n')
            .select('author_type', 'body'),
        ),
    }
  }

  beforeAll(async () => {
    smtp = await startSmtpSink()
    one = await createTestApp({ smtpUrl: smtp.url, mailWorker: true })
    // A second app process on the same database, as behind a load balancer.
    two = await createTestApp({ smtpUrl: smtp.url, database: one.db })
    two.clock.set(one.clock.now())
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

  it('delivers a staff message written on one process to the customer’s stream on the other, and replays it after a reconnect', async () => {
    const w = await world()
    const { tenant, id } = w
    const maria = await w.maria(two)
    const stream = await openStream(port, tenant.host, `/services/applications/${id}/live`, {
      Cookie: cookieOf(maria),
    })
    expect(stream.status).toBe(200)
    const clerk = await w.staff()
    const res = await sendAs(clerk, `/admin/applications/${id}`, 'Hello, we will come on Monday', [
      ['schedule.pdf', PDF],
    ])
    expect(res.status).toBe(303)
    await stream.waitFor(1)
    const event = stream.events[0]!
    expect(event.data).toMatchObject({
      kind: 'message',
      author: 'staff',
      body: 'Hello, we will come on Monday',
    })
    expect((event.data as { files: { name: string }[] }).files.map((f) => f.name)).toEqual(['schedule.pdf'])
    // What staff write is in the audit log, like every other staff action.
    const audited = await withTenant(one.db.owner, tenant.id, (trx) =>
      trx('audit_log')
        .where({ action: 'application.message-sent', target_id: id })
        .select('actor_type', 'details'),
    )
    const sent = await withTenant(one.db.owner, tenant.id, (trx) =>
      trx('application_messages')
        .where({ application_id: id, body: 'Hello, we will come on Monday' })
        .first<{ n: string }>('n'),
    )
    expect(audited).toEqual([{ actor_type: 'operator', details: { message: Number(sent.n), files: 1 } }])
    stream.close()
    // Away for a while: a second message and a status change, then the browser reconnects.
    await sendAs(clerk, `/admin/applications/${id}`, 'Please be at home')
    await clerk.get(`/admin/applications/${id}`)
    await multipart(clerk, `/admin/applications/${id}/status`)
      .field('to', 'inProgress')
      .field('expected', 'submitted')
    const again = await openStream(port, tenant.host, `/services/applications/${id}/live`, {
      Cookie: cookieOf(maria),
      'Last-Event-ID': event.id,
    })
    await again.waitFor(2)
    expect(again.events.map((e) => (e.data as { kind: string }).kind)).toEqual(['message', 'status'])
    again.close()
  })

  it('follows a conversation only for those who may read it', async () => {
    const w = await world()
    const { tenant, id } = w
    const piotr = await w.piotr()
    const denied = await openStream(port, tenant.host, `/services/applications/${id}/live`, {
      Cookie: cookieOf(piotr),
    })
    expect(denied.status).toBe(404)
    denied.close()
    const anonymous = await openStream(port, tenant.host, `/services/applications/${id}/live`)
    expect(anonymous.status).toBe(303)
    anonymous.close()
  })

  it('counts unread messages in both lists until the page marks them read (opening it writes nothing); never stores an empty or a wrong file', async () => {
    const w = await world()
    const { tenant, id } = w
    expect(
      (await sendAs(await w.staff(), `/admin/applications/${id}`, 'We will come on Monday')).status,
    ).toBe(303)
    const maria = await w.maria()
    const list = await maria.get('/services/applications')
    expect(list.text).toContain('data-testid="unread"')
    // Opening the page writes nothing; the page marks what it showed as read itself
    // (its script at once, or this button without one).
    // Read on the second process, which runs no jobs: every statement it sends is the page's.
    const reader = await w.maria(two)
    const statements: string[] = []
    const log = (q: { sql: string }) => statements.push(q.sql)
    two.deps.db.on('query', log)
    const page = await reader.get(`/services/applications/${id}`)
    two.deps.db.off('query', log)
    expect(statements.length).toBeGreaterThan(0)
    expect(statements.filter((sql) => /^\s*(insert|update|delete)\b/i.test(sql))).toEqual([])
    expect((await maria.get('/services/applications')).text).toContain('data-testid="unread"')
    const newest = /data-testid="mark-read"[\s\S]*?name="n" value="(\d+)"/.exec(page.text)?.[1]
    expect(newest).toBeDefined()
    const marked = await maria.post(`/services/applications/${id}/read`, { n: newest! })
    expect(marked.status).toBe(303)
    expect(marked.headers.location).toBe(`/services/applications/${id}#chat`)
    expect((await maria.get('/services/applications')).text).not.toContain('data-testid="unread"')
    const before = (await w.messages()).length
    const empty = await sendAs(maria, `/services/applications/${id}`, '  ')
    expect(empty.status).toBe(422)
    expect(empty.text).toContain('Write a message or attach a file')
    const wrong = await sendAs(maria, `/services/applications/${id}`, 'See file', [
      ['evil.html', Buffer.from('<script>x</script>')],
    ])
    expect(wrong.status).toBe(422)
    expect((await w.messages()).length).toBe(before)
    expect((await sendAs(maria, `/services/applications/${id}`, 'Thank you! Monday is fine.')).status).toBe(
      303,
    )
    const clerk = await w.staff()
    // Following the conversation live is not reading it: the queue still counts the message.
    const live = await openStream(port, tenant.host, `/admin/applications/${id}/live`, {
      Cookie: cookieOf(clerk),
    })
    expect(live.status).toBe(200)
    live.close()
    const queue = await clerk.get('/admin/applications')
    expect(queue.text).toMatch(/1 new/)
    const staffPage = await clerk.get(`/admin/applications/${id}`)
    expect(staffPage.text).toContain('Thank you! Monday is fine.')
    expect((await clerk.get('/admin/applications')).text).toMatch(/1 new/)
    const staffNewest = /data-testid="mark-read"[\s\S]*?name="n" value="(\d+)"/.exec(staffPage.text)![1]!
    expect((await clerk.post(`/admin/applications/${id}/read`, { n: staffNewest })).status).toBe(303)
    expect((await clerk.get('/admin/applications')).text).not.toMatch(/1 new/)
  })

  it('emails the other side once per conversation when messages stay unread ten minutes', async () => {
    const w = await world()
    const { tenant, id } = w
    const clerk = await w.staff()
    for (const body of ['One', 'Two', 'Three']) await sendAs(clerk, `/admin/applications/${id}`, body)
    const about = () =>
      smtp.messages.filter((m) => m.envelopeTo.includes(w.mariaEmail) && /new messages/.test(m.subject ?? ''))
    one.clock.advance(5 * 60_000)
    expect(await mailUnreadMessages(one.deps, tenant)).toBe(0)
    one.clock.advance(6 * 60_000)
    expect(await mailUnreadMessages(one.deps, tenant)).toBe(1)
    expect(await mailUnreadMessages(one.deps, tenant)).toBe(0)
    await smtp.waitFor((m) => m.envelopeTo.includes(w.mariaEmail) && /new messages/.test(m.subject ?? ''))
    expect(about()).toHaveLength(1)
    // Seen on the live page (the script posts the marker), a message is read: no email about it.
    await sendAs(clerk, `/admin/applications/${id}`, 'Four')
    const n = (
      await withTenant(one.db.owner, tenant.id, (trx) =>
        trx('applications').where({ id }).first<{ last_message_n: string }>('last_message_n'),
      )
    ).last_message_n
    const reader = await w.maria()
    const token = /data-csrf="([^"]+)"/.exec(
      (await reader.raw.get(`/services/applications/${id}`).set('Host', tenant.host)).text,
    )![1]!
    // (Opening the page itself marks everything read; move the marker back to see the live path do it.)
    await withTenant(one.db.owner, tenant.id, (trx) =>
      trx('applications').where({ id }).update({ customer_read_n: 0 }),
    )
    const marked = await reader.raw
      .post(`/services/applications/${id}/read`)
      .set('Host', tenant.host)
      .set('X-CSRF-Token', token)
      .set('Sec-Fetch-Site', 'same-origin')
      .type('form')
      .send({ n: String(Number(n) + 100) })
    expect(marked.status).toBe(204)
    const marker = (
      await withTenant(one.db.owner, tenant.id, (trx) =>
        trx('applications').where({ id }).first<{ customer_read_n: string }>('customer_read_n'),
      )
    ).customer_read_n
    expect(marker).toBe(n)
    one.clock.advance(11 * 60_000)
    expect(await mailUnreadMessages(one.deps, tenant)).toBe(0)
    // The customer's reply, unread by staff, goes to the support address (nobody is assigned).
    const maria = await w.maria()
    await sendAs(maria, `/services/applications/${id}`, 'Anyone there?')
    one.clock.advance(11 * 60_000)
    expect(await mailUnreadMessages(one.deps, tenant)).toBe(1)
    await smtp.waitFor(
      (m) => m.envelopeTo.includes(tenant.settings.supportEmail) && /new messages/.test(m.subject ?? ''),
    )
  })
})
