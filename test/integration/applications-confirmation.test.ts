import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { registerConfirmed, signedIn } from '../helpers/accounts.ts'
import { postApplication, READING, seedType } from '../helpers/applications.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { createTenant } from '../helpers/factories.ts'
import { createOperator, operatorSignIn } from '../helpers/operators.ts'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.ts'

const PASSWORD = 'potwierdzenie 2026 grudzień'

/**
 * Issue 21 item 6: an installer files an application for a household under a grant; where
 * the type asks for it, the application counts as submitted only once the household
 * confirms it, and staff know nothing of it before.
 */
describe('applications a representative files: the customer confirms them', () => {
  let smtp: SmtpSink
  let t: TestApp
  let worlds = 0

  /** Each test its own tenant: a household, an installer holding its grant, two types and an operator. */
  const world = async () => {
    worlds += 1
    const tenant = await createTenant(t.db.owner, { enabledServices: ['applications'] })
    await seedType(t.db.owner, tenant.id, 'confirmed', {
      ...READING,
      name: { en: 'Micro-installation connection' },
      prefix: 'MI',
      customerConfirms: true,
    })
    await seedType(t.db.owner, tenant.id, 'reading', READING)
    const emails = { household: `dom-c${worlds}@example.com`, installer: `solar-c${worlds}@example.com` }
    for (const email of Object.values(emails)) await registerConfirmed(t, smtp, tenant.host, email, PASSWORD)
    const as = (who: keyof typeof emails) => signedIn(t, tenant.host, emails[who], PASSWORD)
    const idOf = (who: keyof typeof emails) =>
      withTenant(t.db.owner, tenant.id, (trx) =>
        trx('customers').where({ email: emails[who] }).first<{ id: string }>('id'),
      ).then((r) => r.id)
    const household = await as('household')
    await household.get('/account/representatives/new')
    const offered = await household.post('/account/representatives/new', {
      email: emails.installer,
      service: 'applications',
      permissions: ['applications:submit'],
      from: '2026-11-21',
      until: '2027-06-30',
    })
    expect(offered.status).toBe(303)
    const installer = await as('installer')
    const grantId = /represented\/([0-9a-f-]{36})\/accept/.exec(
      (await installer.get('/account/represented')).text,
    )![1]!
    expect((await installer.post(`/account/represented/${grantId}/accept`)).status).toBe(303)
    await installer.get('/account/acting')
    expect((await installer.post('/account/acting', { account: await idOf('household') })).status).toBe(303)
    const staff = await operatorSignIn(t, tenant.host, await createOperator(t, tenant.id, 'operator'))
    const row = (id: string) =>
      withTenant(t.db.owner, tenant.id, (trx) =>
        trx('applications')
          .where({ id })
          .first<{ status: string; number: string | null; filed_by: string | null; customer_id: string }>(
            'status',
            'number',
            'filed_by',
            'customer_id',
          ),
      )
    const moves = (id: string) =>
      withTenant(t.db.owner, tenant.id, (trx) =>
        trx('status_history')
          .where({ subject_id: id })
          .orderBy('at')
          .select<{ from_status: string; to_status: string; actor_id: string; comment: string | null }[]>(
            'from_status',
            'to_status',
            'actor_id',
            'comment',
          ),
      )
    /** The installer sends an application of `type` for the household; the answer and its id. */
    const file = async (type: string, text: string) => {
      const sent = await postApplication(installer, `/services/applications/new/${type}`, {
        text,
        action: 'submit',
      })
      expect(sent.status).toBe(303)
      return { sent, id: /applications\/([0-9a-f-]{36})/.exec(sent.headers.location!)![1]! }
    }
    return { tenant, emails, household, installer, staff: staff.agent, idOf, row, moves, file }
  }

  beforeAll(async () => {
    smtp = await startSmtpSink()
    t = await createTestApp({ smtpUrl: smtp.url, mailWorker: true })
  })
  afterAll(async () => {
    await t.close()
    await smtp.close()
  })

  it('waits for the household, unseen by staff, until the household confirms it; both people are on record', async () => {
    const w = await world()
    const { sent, id } = await w.file('confirmed', 'Please connect our 9.9 kW roof installation')
    // Not the receipt page: the application's own, saying it went to the customer.
    expect(sent.headers.location).toBe(`/services/applications/${id}`)
    const waiting = await w.installer.get(`/services/applications/${id}`)
    expect(waiting.text).toContain('The application has been sent to the customer to confirm.')
    expect(waiting.text).toContain('data-testid="awaiting-customer"')
    expect(waiting.text).not.toContain('data-testid="confirm"')
    expect(await w.row(id)).toMatchObject({
      status: 'confirming',
      number: null,
      filed_by: await w.idOf('installer'),
      customer_id: await w.idOf('household'),
    })

    // The household is asked by email, with a link to the application, naming the installer.
    const mail = await smtp.waitFor(
      (m) => m.envelopeTo.includes(w.emails.household) && /confirm the application/.test(m.subject ?? ''),
    )
    expect(mail.text).toContain(`${w.emails.installer} filed an application "Micro-installation connection"`)
    expect(mail.text).toContain(`${w.tenant.host}/services/applications/${id}`)

    // Staff know nothing of it: not in the queue, not found by its id, nothing to do with it.
    expect((await w.staff.get('/admin/applications')).text).not.toContain(id)
    expect((await w.staff.get(`/admin/applications/${id}`)).status).toBe(404)
    expect((await w.staff.post(`/admin/applications/${id}/notes`, { body: 'Seen it' })).status).toBe(404)
    expect((await w.staff.post(`/admin/applications/${id}/assign`, { assignee: 'me' })).status).toBe(404)

    // The installer cannot confirm what it filed.
    expect((await w.installer.post(`/services/applications/${id}/confirm`)).status).toBe(404)
    expect((await w.row(id)).status).toBe('confirming')

    const page = await w.household.get(`/services/applications/${id}`)
    expect(page.text).toContain('data-testid="confirm"')
    expect(page.text).toContain(`${w.emails.installer} filed this application for you.`)
    const confirmed = await w.household.post(`/services/applications/${id}/confirm`)
    expect(confirmed.status).toBe(303)
    expect(confirmed.headers.location).toBe(`/services/applications/${id}/sent`)
    const after = await w.row(id)
    expect(after).toMatchObject({ status: 'submitted', number: 'MI-2026-000001' })

    const staffPage = await w.staff.get(`/admin/applications/${id}`)
    expect(staffPage.status).toBe(200)
    expect(staffPage.text).toContain('data-testid="filed-by"')
    expect(staffPage.text).toContain(w.emails.installer)
    expect((await w.staff.get('/admin/applications')).text).toContain('MI-2026-000001')
    expect(await w.moves(id)).toEqual([
      { from_status: 'draft', to_status: 'confirming', actor_id: await w.idOf('installer'), comment: null },
      {
        from_status: 'confirming',
        to_status: 'submitted',
        actor_id: await w.idOf('household'),
        comment: null,
      },
    ])
    // A second confirmation finds nothing to confirm.
    expect((await w.household.post(`/services/applications/${id}/confirm`)).status).toBe(409)
  })

  it('goes back to the installer as a draft when the household declines it with a reason', async () => {
    const w = await world()
    const { id } = await w.file('confirmed', 'Connect the heat pump')
    await w.household.get(`/services/applications/${id}`)
    const empty = await w.household.post(`/services/applications/${id}/decline`, { reason: '  ' })
    expect(empty.status).toBe(422)
    expect(empty.text).toContain('Say why you are sending it back')
    expect(empty.text).toContain('govuk-error-summary')
    expect((await w.row(id)).status).toBe('confirming')

    const declined = await w.household.post(`/services/applications/${id}/decline`, {
      reason: 'The address is our old one',
    })
    expect(declined.status).toBe(303)
    expect((await w.row(id)).status).toBe('draft')
    expect((await w.moves(id)).at(-1)).toMatchObject({
      from_status: 'confirming',
      to_status: 'draft',
      comment: 'The address is our old one',
    })
    expect((await w.installer.get(`/services/applications/${id}`)).text).toContain(
      'The address is our old one',
    )

    // Corrected and sent again, it waits for the household once more.
    await w.installer.get(`/services/applications/${id}/edit`)
    const again = await postApplication(
      w.installer,
      `/services/applications/${id}/edit`,
      { text: 'Connect the heat pump at ul. Nowa 5', action: 'submit', expected: 'draft' },
      [],
      `/services/applications/${id}/edit`,
    )
    expect(again.status).toBe(303)
    expect((await w.row(id)).status).toBe('confirming')
  })

  it('offers the confirmation only to the household’s people who may submit', async () => {
    const w = await world()
    const { id } = await w.file('confirmed', 'Connect the carport panels')
    const lodger = `lodger-c${worlds}@example.com`
    await registerConfirmed(t, smtp, w.tenant.host, lodger, PASSWORD)
    const householdId = await w.idOf('household')
    await withTenant(t.db.owner, w.tenant.id, async (trx) => {
      const person = await trx('customers').where({ email: lodger }).first<{ id: string }>('id')
      await trx('account_members').insert({
        tenant_id: w.tenant.id,
        account_id: householdId,
        person_id: person.id,
        role: 'colleague',
        permissions: ['applications:view'],
      })
    })
    const agent = await signedIn(t, w.tenant.host, lodger, PASSWORD)
    await agent.get('/account/acting')
    expect((await agent.post('/account/acting', { account: householdId })).status).toBe(303)
    const page = await agent.get(`/services/applications/${id}`)
    expect(page.status).toBe(200)
    expect(page.text).not.toContain('data-testid="confirm"')
    expect((await agent.post(`/services/applications/${id}/confirm`)).status).toBe(404)
    expect((await w.household.get(`/services/applications/${id}`)).text).toContain('data-testid="confirm"')
  })

  it('needs no confirmation for a type that does not ask it, nor when the household files itself', async () => {
    const w = await world()
    const plain = await w.file('reading', 'Meter 1234 reads 5678')
    expect(plain.sent.headers.location).toBe(`/services/applications/${plain.id}/sent`)
    expect((await w.row(plain.id)).status).toBe('submitted')

    const own = await postApplication(w.household, '/services/applications/new/confirmed', {
      text: 'Our own connection',
      action: 'submit',
    })
    const ownId = /applications\/([0-9a-f-]{36})\/sent/.exec(own.headers.location!)![1]!
    expect(await w.row(ownId)).toMatchObject({ status: 'submitted', filed_by: null })
  })
})
