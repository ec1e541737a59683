import { describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { PDF } from '../helpers/applications.ts'
import { BASIC, useMarketEnv, OTHER_USCC, USCC } from '../helpers/market.ts'

/**
 * Issue 20 item 7 through HTTP (CSRF on): the trading centre's queue and decisions —
 * return for corrections (only the named parts open again), approval (the service
 * follows), rejection — each emailed; documents served to the applicant and the centre only.
 */
describe('market registration: the trading centre’s review', () => {
  const market = useMarketEnv()

  it('lets the centre return a registration for named parts, approve it when corrected, and emails each decision', async () => {
    const { step, customer, complete, memberOf, decide, admin, smtp, readyGenerator } = market()
    const email = 'gen-review@example.com'
    const as = await customer(email)
    await readyGenerator(as, { ...BASIC, dispatchName: '评审电厂' })
    expect((await complete(as)).status).toBe(303)
    const id = (await memberOf(email)).id as string

    const queue = await admin.get('/admin/market?type=generator&status=submitted')
    expect(queue.status).toBe(200)
    expect(queue.text).toContain(`/admin/market/${id}`)
    expect((await admin.get('/admin/market?type=generator&status=nonsense')).status).toBe(422)
    expect((await admin.get('/admin/market?type=power_user')).text).not.toContain(`/admin/market/${id}`)

    const page = await admin.get(`/admin/market/${id}`)
    expect(page.text).toContain('Construction approval')
    expect(page.text).toContain('uscc.pdf')
    expect(page.text).toContain(USCC)

    const noParts = await decide(id, { decision: 'returned', comment: 'Fix the licence' })
    expect(noParts.status).toBe(422)
    expect(noParts.text).toContain('Select the parts the applicant must correct')
    const noReason = await decide(id, { decision: 'rejected', comment: '' })
    expect(noReason.status).toBe(422)
    expect((await memberOf(email)).status).toBe('submitted')

    expect(
      (
        await decide(id, {
          decision: 'returned',
          parts: ['business'],
          comment: 'The licence number is wrong.',
        })
      ).status,
    ).toBe(303)
    const returned = await smtp.waitFor(
      (m) => m.envelopeTo.includes(email) && /returned/.test(m.subject ?? ''),
    )
    expect(returned.text).toContain('Business information')
    expect(returned.text).toContain('The licence number is wrong.')
    expect(await memberOf(email)).toMatchObject({ status: 'returned', return_parts: ['business'] })

    // Only the named part is open again.
    expect((await step(as, 'basic', BASIC)).status).toBe(409)
    const fixed = await step(as, 'business', {
      uscc: OTHER_USCC,
      licenceExempt: 'no',
      licenceState: 'held',
      licenceNumber: '1042314-00999',
    })
    expect(fixed.status).toBe(303)
    expect((await complete(as)).status).toBe(303)
    expect(await memberOf(email)).toMatchObject({
      status: 'submitted',
      return_parts: [],
      licence_number: '1042314-00999',
    })

    expect((await decide(id, { decision: 'approved', comment: '' })).status).toBe(303)
    await smtp.waitFor((m) => m.envelopeTo.includes(email) && /approved/.test(m.subject ?? ''))
    const member = await as.get('/services/market')
    expect(member.status).toBe(200)
    expect(member.text).toContain('评审电厂')
    // A decided registration takes no second decision.
    expect((await decide(id, { decision: 'rejected', comment: 'late' })).status).toBe(409)

    const history = await as.get('/services/market/registration')
    for (const status of ['Awaiting review', 'Returned for corrections', 'Approved'])
      expect(history.text).toContain(status)
  })

  it('serves documents only to their applicant and the centre', async () => {
    const { customer, step, upload, memberOf, admin, t, tenant } = market()
    const owner = await customer('docs-owner@example.com')
    const other = await customer('docs-other@example.com')
    await step(owner, 'type', { memberType: 'power_user' })
    await upload(owner, '/services/market/registration/attachments', { uscc_certificate: [PDF, 'mine.pdf'] })
    const id = (await memberOf('docs-owner@example.com')).id as string
    const attachment = await withTenant(t.db.owner, tenant.id, (trx) =>
      trx('attachments').where({ owner_id: id }).first<{ id: string }>('id'),
    )
    const own = await owner.get(`/services/market/registration/files/${attachment.id}`)
    expect(own.status).toBe(200)
    expect(own.headers['content-disposition']).toMatch(/^attachment/)
    expect((await other.get(`/services/market/registration/files/${attachment.id}`)).status).toBe(404)
    // A draft is the applicant's own: not in the centre's queue, its files not served to staff.
    expect((await admin.get(`/admin/market/${id}`)).status).toBe(404)
    expect((await admin.get(`/admin/market/${id}/files/${attachment.id}`)).status).toBe(404)
  })

  it('rejects a registration with a reason, emailed, and leaves it closed to changes', async () => {
    const { customer, complete, memberOf, decide, smtp, step, readyGenerator } = market()
    const email = 'gen-rejected@example.com'
    const as = await customer(email)
    await readyGenerator(as, { ...BASIC, dispatchName: '拒绝电厂' })
    expect((await complete(as)).status).toBe(303)
    const id = (await memberOf(email)).id as string
    expect((await decide(id, { decision: 'rejected', comment: 'Not a registered company.' })).status).toBe(
      303,
    )
    const mail = await smtp.waitFor((m) => m.envelopeTo.includes(email) && /rejected/.test(m.subject ?? ''))
    expect(mail.text).toContain('Not a registered company.')
    expect(await memberOf(email)).toMatchObject({ status: 'rejected' })
    expect((await step(as, 'basic', BASIC)).status).toBe(409)
    expect((await as.get('/services/market')).status).toBe(403)
    expect((await as.get('/services/market/registration')).text).toContain('Not a registered company.')
  })

  it('sends a customer given the service by staff, without a registration, to register', async () => {
    const { customer, t, tenant } = market()
    const as = await customer('granted@example.com')
    await withTenant(t.db.owner, tenant.id, async (trx) => {
      const { id } = await trx('customers')
        .where({ email: 'granted@example.com' })
        .first<{ id: string }>('id')
      await trx('customer_services').insert({
        tenant_id: tenant.id,
        customer_id: id,
        service: 'market',
        added_by: 'test',
        added_at: new Date(),
      })
    })
    const res = await as.get('/services/market')
    expect(res.status).toBe(303)
    expect(res.headers.location).toBe('/services/market/registration')
  })
})

/** Issue 18: the centre's queue counts up to 1,000 registrations, then says "more than". */
describe('market registration: a long queue', () => {
  const market = useMarketEnv()

  it('says "more than 1000" past the bound, and counts exactly below it', async () => {
    const { t, tenant, admin } = market()
    await withTenant(t.db.owner, tenant.id, async (trx) => {
      await trx.raw(
        `INSERT INTO customers (tenant_id, email, status, category, organisation_name)
         SELECT ?, 'long' || g || '@example.com', 'active', 'legal', 'Long ' || g FROM generate_series(1, 1001) g`,
        [tenant.id],
      )
      await trx.raw(
        `INSERT INTO market_members (tenant_id, customer_id, member_type, status, saved_parts, company_name, dispatch_name, submitted_at)
         SELECT tenant_id, id, CASE WHEN email LIKE 'long1%' THEN 'supplier' ELSE 'generator' END, 'submitted',
                '{basic}', organisation_name, 'D' || email, now()
         FROM customers WHERE email LIKE 'long%'`,
      )
    })
    const all = await admin.get('/admin/market')
    expect(all.status).toBe(200)
    expect(all.text).toContain('Registrations: more than 1000 — page 1')
    // long1, long10–19, long100–199, long1000–1001: 1 + 10 + 100 + 2 suppliers.
    const suppliers = await admin.get('/admin/market?type=supplier')
    expect(suppliers.text).toContain('Registrations: 113 — page 1 of 3')
  })
})
