import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { remindToComplete } from '../../src/modules/applications/reminders.ts'
import { findTenantById } from '../../src/platform/tenancy/repo.ts'
import { registerConfirmed, signedIn } from '../helpers/accounts.ts'
import {
  applicationByNumber,
  PDF,
  TP15,
  moveAs,
  postApplication,
  seedType,
  submitAs,
} from '../helpers/applications.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { createTenant } from '../helpers/factories.ts'
import { createOperator, staffSignIns } from '../helpers/operators.ts'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.ts'

const PASSWORD = 'słoneczny poranek 12'

/**
 * Deadlines belong to steps (issue 17 item 6): the review's clock from submission, stopped
 * while the application is with its customer; later steps' own clocks from the type.
 */
describe('applications: each step’s deadline', () => {
  let smtp: SmtpSink
  let t: TestApp
  let tenant: Awaited<ReturnType<typeof createTenant>>
  const signIn = staffSignIns()
  const staff = (email: string) => signIn(t, tenant.host, email)
  const customer = () => signedIn(t, tenant.host, 'olga@example.com', PASSWORD)
  const application = (number: string) => applicationByNumber(t.db.owner, tenant.id, number)
  const submit = async (type = 'tp15') => submitAs(await customer(), type, type !== 'reading')
  const move = moveAs

  beforeAll(async () => {
    smtp = await startSmtpSink()
    t = await createTestApp({ smtpUrl: smtp.url, mailWorker: true })
    // Everyone signs in on the first day: a TOTP code is never accepted for an earlier time.
    t.clock.set('2026-03-10T08:00:00Z')
    tenant = await createTenant(t.db.owner, {
      defaultLocale: 'ru',
      timeZone: 'Europe/Moscow',
      modules: { calendar: { country: 'RU' } },
    })
    await seedType(t.db.owner, tenant.id, 'tpsteps', {
      ...TP15,
      prefix: 'TS',
      deadlines: { contract: { days: 10, kind: 'working' }, works: { days: 120, kind: 'calendar' } },
    })
    await registerConfirmed(t, smtp, tenant.host, 'olga@example.com', PASSWORD)
  })
  afterAll(async () => {
    await t.close()
    await smtp.close()
  })

  it('gives each step its own deadline; the review clock stops while the application is with the customer', async () => {
    // Dates on the Russian calendar of 2026, worked out by hand (9 March is the day off for
    // Sunday 8 March; no other holiday falls between 10 March and 20 April).
    // Sessions end after 12 hours, so each day is worked with a fresh sign-in.
    // An operator of its own, first signed in on its first day (see the next test).
    t.clock.set('2026-03-10T08:00:00Z')
    const clerkEmail = await createOperator(t, tenant.id, 'operator')
    let clerk = await staff(clerkEmail)
    const at = async (day: string) => {
      t.clock.set(`${day}T09:00:00Z`)
      clerk = await staff(clerkEmail)
    }
    const overdue = async () => {
      const queue = await clerk.get('/admin/applications?overdue=1')
      expect(queue.status).toBe(200)
      return queue.text.includes(number)
    }
    await at('2026-03-10')
    const number = await submit('tpsteps')
    const { id } = await application(number)
    // Ten working days from Tuesday 10 March: 11–13, 16–20, 23, 24 March.
    expect((await application(number)).due_on).toBe('2026-03-24')
    await at('2026-03-12')
    expect((await move(clerk, id, { to: 'inProgress', expected: 'submitted' })).status).toBe(303)
    expect((await application(number)).due_on).toBe('2026-03-24')
    // Returned on Monday 16 March with six working days left (17–20, 23, 24 March).
    await at('2026-03-16')
    const returned = await move(clerk, id, {
      to: 'returned',
      expected: 'inProgress',
      comment: 'Sign the plan',
    })
    expect(returned.status).toBe(303)
    expect(await application(number)).toMatchObject({ due_on: null, paused_days: 6 })
    expect((await (await customer()).get(`/services/applications/${id}`)).text).toMatch(
      /data-testid="paused">[^<]*6/,
    )
    // A fortnight with the customer costs the review nothing: six working days from 30 March.
    await at('2026-03-30')
    expect(await overdue()).toBe(false)
    const olga = await customer()
    const resent = await postApplication(
      olga,
      `/services/applications/${id}/edit`,
      { text: 'Signed', f_capacity: '5', f_address: 'Lenina 1', action: 'submit', expected: 'returned' },
      [],
      `/services/applications/${id}/edit`,
    )
    expect(resent.status).toBe(303)
    expect(await application(number)).toMatchObject({
      status: 'submitted',
      due_on: '2026-04-07',
      paused_days: null,
    })
    await at('2026-04-01')
    expect((await move(clerk, id, { to: 'inProgress', expected: 'submitted' })).status).toBe(303)
    // The contract step: ten working days from Thursday 2 April (3, 6–10, 13–16 April).
    await at('2026-04-02')
    expect(
      (await move(clerk, id, { to: 'contract', expected: 'inProgress' }, [['contract.pdf', PDF]])).status,
    ).toBe(303)
    expect((await application(number)).due_on).toBe('2026-04-16')
    // The works: 120 calendar days from Monday 20 April.
    await at('2026-04-20')
    expect((await move(clerk, id, { to: 'works', expected: 'contract' })).status).toBe(303)
    expect((await application(number)).due_on).toBe('2026-08-18')
    const page = await (await customer()).get(`/services/applications/${id}`)
    expect(page.text).toMatch(/data-testid="due">[^<]*2026/)
    await at('2026-08-18')
    expect(await overdue()).toBe(false)
    await at('2026-08-19')
    expect(await overdue()).toBe(true)
    // Checking has no deadline of its own in this type: never overdue, however long it takes.
    expect((await move(clerk, id, { to: 'checking', expected: 'works' })).status).toBe(303)
    expect((await application(number)).due_on).toBeNull()
    await at('2026-12-01')
    expect(await overdue()).toBe(false)
  })

  it('asks the customer to complete a returned application by a day, reminds them once, and lets staff close it after', async () => {
    // Tuesday 12 May 2026 (after the May holidays of the Russian calendar); dates by hand.
    // An operator of its own, first signed in on that day: a TOTP code is never taken for
    // an earlier time than the last one, whatever other tests did with the clock.
    t.clock.set('2026-05-12T08:00:00Z')
    const own = await createOperator(t, tenant.id, 'operator')
    let clerk = await staff(own)
    const at = async (day: string) => {
      t.clock.set(`${day}T09:00:00Z`)
      clerk = await staff(own)
    }
    await at('2026-05-12')
    const number = await submit('tpsteps')
    const { id } = await application(number)
    const bad = await move(clerk, id, {
      to: 'returned',
      expected: 'submitted',
      comment: 'Sign page 2 of the plan',
      completeDays: '0',
    })
    expect(bad.status).toBe(422)
    expect(bad.text).toContain('href="#completeDays"')
    // Five working days from Tuesday 12 May: 13–15, 18, 19 May.
    const returned = await move(clerk, id, {
      to: 'returned',
      expected: 'submitted',
      comment: 'Sign page 2 of the plan',
      completeDays: '5',
    })
    expect(returned.status).toBe(303)
    expect((await application(number)).complete_by).toBe('2026-05-19')
    const mail = await smtp.waitFor(
      (m) => m.envelopeTo.includes('olga@example.com') && (m.text ?? '').includes('Sign page 2 of the plan'),
    )
    expect(mail.text).toContain(number)
    expect(mail.text).toContain('19 мая 2026')
    expect((await (await customer()).get(`/services/applications/${id}`)).text).toMatch(
      /data-testid="complete-by">[^<]*19/,
    )
    // Not yet: no reminder on Wednesday (four working days left); staff cannot close it yet.
    await at('2026-05-13')
    expect(await remindToComplete(t.deps, (await findTenantById(t.deps.db, tenant.id))!)).toBe(0)
    expect((await clerk.get(`/admin/applications/${id}`)).text).not.toContain('data-testid="move-rejected"')
    expect(
      (await move(clerk, id, { to: 'rejected', expected: 'returned', comment: 'Too late' })).status,
    ).toBe(409)
    // Friday 15 May: two working days left — reminded once.
    await at('2026-05-15')
    const tenantRow = (await findTenantById(t.deps.db, tenant.id))!
    expect(await remindToComplete(t.deps, tenantRow)).toBe(1)
    expect(await remindToComplete(t.deps, tenantRow)).toBe(0)
    await smtp.waitFor(
      (m) =>
        m.envelopeTo.includes('olga@example.com') &&
        (m.subject ?? '').includes(number) &&
        /19/.test(m.subject ?? ''),
    )
    // Wednesday 20 May: the day has passed; the queue says so and staff may close it.
    await at('2026-05-20')
    expect((await clerk.get('/admin/applications?status=returned')).text).toContain(
      'data-testid="customer-late"',
    )
    expect((await clerk.get(`/admin/applications/${id}`)).text).toContain('data-testid="move-rejected"')
    expect(
      (await move(clerk, id, { to: 'rejected', expected: 'returned', comment: 'Not completed in time' }))
        .status,
    ).toBe(303)
    expect(await application(number)).toMatchObject({ status: 'rejected', complete_by: null })
  })
})
