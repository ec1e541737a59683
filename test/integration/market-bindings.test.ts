import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { registerConfirmed, signedIn } from '../helpers/accounts.ts'
import type { agentFor } from '../helpers/agent.ts'
import { multipart, PDF, PNG } from '../helpers/applications.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { createTenant } from '../helpers/factories.ts'
import { MARKET_PASSWORD } from '../helpers/market.ts'
import { createOperator, operatorSignIn } from '../helpers/operators.ts'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.ts'

type Agent = ReturnType<typeof agentFor>

/**
 * Issue 20 item 8 through HTTP: a supplier binds an approved power user, the user
 * confirms or declines, the centre approves or rejects; at most one supplier per user
 * and day, decided by the database (also for two at once); ending early with notice; a
 * binding seen only by its parties. The test clock's day is 2026-11-21 in Shanghai, and
 * the tenant's notice is the default 30 days.
 */
describe('market: retail binding', () => {
  let smtp: SmtpSink
  let t: TestApp
  let tenant: Awaited<ReturnType<typeof createTenant>>
  let staff: Agent
  const who: Record<string, { agent: Agent; member: string; email: string }> = {}

  /** An approved member with the market service, as the centre's approval leaves one. */
  async function member(key: string, type: string, company: string) {
    const email = `${key}@example.com`
    await registerConfirmed(t, smtp, tenant.host, email, MARKET_PASSWORD)
    const id = await withTenant(t.db.owner, tenant.id, async (trx) => {
      const customer = await trx('customers').where({ email }).first<{ id: string }>('id')
      await trx('customer_services').insert({
        tenant_id: tenant.id,
        customer_id: customer.id,
        service: 'market',
        added_by: 'test',
        added_at: new Date(),
      })
      const [row] = await trx('market_members')
        .insert({
          tenant_id: tenant.id,
          customer_id: customer.id,
          member_type: type,
          status: 'approved',
          company_name: company,
          dispatch_name: `${key}-dispatch`,
          uscc: key === 'user' ? '91110000600037341L' : null,
        })
        .returning<{ id: string }[]>('id')
      return row!.id
    })
    who[key] = { agent: await signedIn(t, tenant.host, email, MARKET_PASSWORD), member: id, email }
  }

  beforeAll(async () => {
    smtp = await startSmtpSink()
    t = await createTestApp({ smtpUrl: smtp.url, mailWorker: true })
    tenant = await createTenant(t.db.owner, { enabledServices: ['market'], timeZone: 'Asia/Shanghai' })
    await member('supplierA', 'supplier', '甲售电公司')
    await member('supplierB', 'supplier', '乙售电公司')
    await member('user', 'power_user', '示范钢铁有限公司')
    await member('user2', 'power_user', '示范水泥有限公司')
    await member('user3', 'power_user', '示范化工有限公司')
    await member('generator', 'generator', '示范发电有限公司')
    staff = (await operatorSignIn(t, tenant.host, await createOperator(t, tenant.id, 'operator'))).agent
  })
  afterAll(async () => {
    await t.close()
    await smtp.close()
  })

  const bind = async (
    supplier: string,
    user: string,
    from: string,
    to: string,
    action = 'submit',
    file: [Buffer, string] | null = [PDF, 'contract.pdf'],
  ) => {
    const agent = who[supplier]!.agent
    await agent.get(`/services/market/bindings/new?user=${who[user]!.member}`)
    let req = multipart(agent, '/services/market/bindings/new')
      .field('userId', who[user]!.member)
      .field('from', from)
      .field('to', to)
      .field('contractRef', `HT-${from}`)
      .field('action', action)
    if (file) req = req.attach('contract', file[0], { filename: file[1] })
    return req
  }
  const idOf = (res: { headers: Record<string, string> }) => res.headers.location!.split('/').at(-1)!
  const statusOf = (id: string) =>
    withTenant(t.db.owner, tenant.id, (trx) =>
      trx('retail_bindings')
        .where({ id })
        .first<{ status: string; from: string; to: string }>(
          'status',
          trx.raw(`lower(period)::text AS "from"`),
          trx.raw(`(upper(period) - 1)::text AS "to"`),
        ),
    )
  const respond = async (user: string, id: string, decision: string, comment = '') => {
    const agent = who[user]!.agent
    await agent.get(`/services/market/bindings/${id}`)
    return agent.post(`/services/market/bindings/${id}/respond`, { decision, comment })
  }
  const decide = async (id: string, decision: string, comment = '') => {
    await staff.get(`/admin/market/bindings/${id}`)
    return staff.post(`/admin/market/bindings/${id}`, { decision, comment })
  }

  it('goes from the supplier to the user to the centre, emailing each next party', async () => {
    const search = await who.supplierA!.agent.get('/services/market/bindings/new?q=钢铁')
    expect(search.text).toContain('示范钢铁有限公司')
    expect(search.text).not.toContain('示范发电有限公司')
    // By the unified social credit code, as typed in lower case.
    expect(
      (await who.supplierA!.agent.get('/services/market/bindings/new?q=91110000600037341l')).text,
    ).toContain(`user=${who.user!.member}`)

    const sent = await bind('supplierA', 'user', '2026-12-01', '2027-11-30')
    expect(sent.status, sent.text).toBe(303)
    const id = idOf(sent)
    expect(await statusOf(id)).toEqual({ status: 'awaiting_user', from: '2026-12-01', to: '2027-11-30' })
    await smtp.waitFor((m) => m.envelopeTo.includes(who.user!.email) && /asks to bind/.test(m.subject ?? ''))

    const page = await who.user!.agent.get(`/services/market/bindings/${id}`)
    expect(page.text).toContain('Awaiting retail user confirmation')
    expect(page.text).toContain('甲售电公司')
    expect((await respond('user', id, 'maybe')).status).toBe(422)
    expect((await respond('user', id, 'confirm')).status).toBe(303)
    expect((await statusOf(id)).status).toBe('awaiting_centre')
    await smtp.waitFor(
      (m) => m.envelopeTo.includes(who.supplierA!.email) && /confirmed/.test(m.subject ?? ''),
    )
    // The supplier cannot answer for the user.
    expect((await respond('supplierA', id, 'confirm')).status).toBe(404)

    const queue = await staff.get('/admin/market/bindings?status=awaiting_centre')
    expect(queue.text).toContain(`/admin/market/bindings/${id}`)
    expect((await decide(id, 'rejected', '')).status).toBe(422)
    expect((await decide(id, 'approved')).status).toBe(303)
    expect((await statusOf(id)).status).toBe('approved')
    for (const party of [who.supplierA!.email, who.user!.email])
      await smtp.waitFor((m) => m.envelopeTo.includes(party) && /binding approved/.test(m.subject ?? ''))
    const history = await who.supplierA!.agent.get(`/services/market/bindings/${id}`)
    for (const status of [
      'Awaiting retail user confirmation',
      'Awaiting trading-centre approval',
      'Approved',
    ])
      expect(history.text).toContain(status)
  })

  it('refuses a second supplier for any of the user’s days, also when two submit at the same moment', async () => {
    const first = await bind('supplierA', 'user2', '2027-01-01', '2027-06-30')
    expect(first.status).toBe(303)
    const overlap = await bind('supplierB', 'user2', '2027-06-30', '2027-12-31')
    expect(overlap.status).toBe(422)
    expect(overlap.text).toContain('already has a supplier for some of these days')
    // Nothing was kept of the refused binding, not even a draft.
    const count = () =>
      withTenant(t.db.owner, tenant.id, (trx) =>
        trx('retail_bindings').where({ user_id: who.user2!.member }).count<{ count: string }[]>(),
      )
    expect(Number((await count())[0]!.count)).toBe(1)
    expect((await bind('supplierB', 'user2', '2027-07-01', '2027-12-31')).status).toBe(303)

    // Two drafts for the same days, submitted together: the database lets one through.
    const a = idOf(await bind('supplierA', 'user3', '2027-02-01', '2027-03-31', 'save'))
    const b = idOf(await bind('supplierB', 'user3', '2027-03-01', '2027-04-30', 'save'))
    await who.supplierA!.agent.get(`/services/market/bindings/${a}`)
    await who.supplierB!.agent.get(`/services/market/bindings/${b}`)
    const results = await Promise.all([
      who.supplierA!.agent.post(`/services/market/bindings/${a}/submit`),
      who.supplierB!.agent.post(`/services/market/bindings/${b}/submit`),
    ])
    expect(results.map((r) => r.status).sort()).toEqual([303, 422])
    const statuses = [(await statusOf(a)).status, (await statusOf(b)).status].sort()
    expect(statuses).toEqual(['awaiting_user', 'draft'])
  })

  it('frees the days of a declined binding, and lets either party end an approved one early with notice', async () => {
    const declined = idOf(await bind('supplierA', 'user', '2028-01-01', '2028-03-31'))
    expect((await respond('user', declined, 'decline', 'We have a supplier.')).status).toBe(303)
    await smtp.waitFor((m) => m.envelopeTo.includes(who.supplierA!.email) && /declined/.test(m.subject ?? ''))
    const again = await bind('supplierB', 'user', '2028-01-01', '2028-12-31')
    expect(again.status).toBe(303)
    const id = idOf(again)
    await respond('user', id, 'confirm')
    await decide(id, 'approved')

    const end = async (agent: Agent, endOn: string) => {
      await agent.get(`/services/market/bindings/${id}`)
      return agent.post(`/services/market/bindings/${id}/end`, { endOn })
    }
    // Inside the notice (30 days from 2026-11-21), or outside the binding: refused.
    expect((await end(who.user!.agent, '2026-12-20')).status).toBe(422)
    expect((await end(who.user!.agent, '2029-01-01')).status).toBe(422)
    expect((await end(who.user!.agent, '2028-06-30')).status).toBe(303)
    expect(await statusOf(id)).toEqual({ status: 'ended', from: '2028-01-01', to: '2028-06-30' })
    await smtp.waitFor(
      (m) => m.envelopeTo.includes(who.supplierB!.email) && /ends early/.test(m.subject ?? ''),
    )
    // The days after the end are free for another supplier; those before are not.
    expect((await bind('supplierA', 'user', '2028-06-01', '2028-12-31')).status).toBe(422)
    expect((await bind('supplierA', 'user', '2028-07-01', '2028-12-31')).status).toBe(303)
  })

  it('checks the form beside its fields and changes nothing', async () => {
    const count = () =>
      withTenant(t.db.owner, tenant.id, (trx) => trx('retail_bindings').count<{ count: string }[]>())
    const before = await count()
    const past = await bind('supplierA', 'user3', '2026-11-20', '2026-12-31')
    expect(past.status).toBe(422)
    expect(past.text).toContain('cannot start before today')
    const order = await bind('supplierA', 'user3', '2027-09-01', '2027-08-01')
    expect(order.status).toBe(422)
    expect(order.text).toContain('href="#to"')
    expect((await bind('supplierA', 'user3', '2027-09-01', '2027-09-30', 'submit', null)).status).toBe(422)
    const png = await bind('supplierA', 'user3', '2027-09-01', '2027-09-30', 'submit', [PNG, 'contract.png'])
    expect(png.status).toBe(422)
    expect(png.text).toContain('href="#contract"')
    // A generation company is no party to bindings; a supplier cannot bind a supplier.
    expect((await bind('supplierA', 'supplierB', '2027-09-01', '2027-09-30')).status).toBe(422)
    expect(await count()).toEqual(before)
    expect((await who.generator!.agent.get('/services/market/bindings')).status).toBe(404)
  })

  it('shows a binding and its contract to its two parties only', async () => {
    const id = idOf(await bind('supplierA', 'user3', '2029-01-01', '2029-12-31'))
    const file = await withTenant(t.db.owner, tenant.id, (trx) =>
      trx('attachments').where({ owner_id: id }).first<{ id: string }>('id'),
    )
    for (const party of ['supplierA', 'user3']) {
      expect((await who[party]!.agent.get(`/services/market/bindings/${id}`)).status).toBe(200)
      expect((await who[party]!.agent.get(`/services/market/bindings/${id}/files/${file.id}`)).status).toBe(
        200,
      )
    }
    for (const stranger of ['supplierB', 'user', 'generator']) {
      expect((await who[stranger]!.agent.get(`/services/market/bindings/${id}`)).status, stranger).toBe(404)
      expect(
        (await who[stranger]!.agent.get(`/services/market/bindings/${id}/files/${file.id}`)).status,
      ).toBe(404)
    }
    expect((await who.supplierB!.agent.get('/services/market/bindings')).text).not.toContain(id)
    expect((await staff.get(`/admin/market/bindings/${id}/files/${file.id}`)).status).toBe(200)
  })
})
