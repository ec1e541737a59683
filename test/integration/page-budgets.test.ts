import type { Knex } from 'knex'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { registerConfirmed, signedIn } from '../helpers/accounts.ts'
import { PDF, TP15, postApplication, seedType } from '../helpers/applications.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { costOf } from '../helpers/budget.ts'
import { createTenant } from '../helpers/factories.ts'
import { createOperator, operatorSignIn } from '../helpers/operators.ts'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.ts'
import { insertUnit } from '../helpers/generation.ts'

const PASSWORD = 'słoneczny poranek 12'

/**
 * What each heavy page may cost in round trips to Postgres (issue 18 item 1): its tenant
 * transactions, its own queries (beyond the session store's lookup and each transaction's
 * BEGIN, set_config and COMMIT), and every statement sent, all of these counted. A new page
 * states its cost here; a page that grows fails. The targets: a customer page ≤ 1
 * transaction and ≤ 5 queries, the staff queue ≤ 1 and ≤ 6. An application's page reads
 * more (the application, its history, messages, files, acceptances and receipts, each its
 * own query), and the day overview its five aggregates. My meters: the meters, their
 * latest readings, the requests for meters (and for AMR meters how far their data is
 * complete); a meter's page: the meter, a page of its history with its total, its monthly
 * sums. A market registration's summary: the customer, the
 * registration, its documents, its units, their documents and its history (staff: the
 * applicant's email too); the centre's queue: a page of registrations and its count. A
 * paged list also asks for plans per value (`planForEachValue`, in `paginate`: one statement).
 * The staff work can be assigned to (the queue's filter, an application's choice), a
 * customer's services (every service page's guard) and the signed-in customer's and staff
 * member's rows (every page) are kept per process, as application types are: no statement
 * once warm — the cabinet reads nothing, not even a transaction.
 */
const BUDGETS: Record<
  string,
  { queries: number; statements: number; transactions: number; who: 'customer' | 'staff' | 'colleague' }
> = {
  'GET /cabinet': { queries: 0, statements: 1, transactions: 0, who: 'customer' },
  'GET /services/applications': { queries: 1, statements: 5, transactions: 1, who: 'customer' },
  'GET /services/applications/:id': { queries: 6, statements: 10, transactions: 1, who: 'customer' },
  // Acting for the account costs nothing more (issue 21): its row is kept like the person's,
  // and whether one still may act for it is cached per process until a change is heard.
  'GET /services/applications as colleague': {
    queries: 1,
    statements: 5,
    transactions: 1,
    who: 'colleague',
  },
  'GET /services/applications/:id as colleague': {
    queries: 6,
    statements: 10,
    transactions: 1,
    who: 'colleague',
  },
  'GET /services/pgb': { queries: 2, statements: 6, transactions: 1, who: 'customer' },
  'GET /services/pgb/units/:unit/days/:day': { queries: 3, statements: 7, transactions: 1, who: 'customer' },
  'GET /admin/applications': { queries: 3, statements: 7, transactions: 1, who: 'staff' },
  'GET /admin/applications?q=budget': { queries: 3, statements: 7, transactions: 1, who: 'staff' },
  'GET /admin/applications/:id': { queries: 8, statements: 12, transactions: 1, who: 'staff' },
  'GET /admin/generation': { queries: 6, statements: 10, transactions: 1, who: 'staff' },
  'GET /services/readings': { queries: 3, statements: 7, transactions: 1, who: 'customer' },
  'GET /services/readings/meters/:meter': { queries: 3, statements: 7, transactions: 1, who: 'customer' },
  'GET /admin/readings/review': { queries: 5, statements: 9, transactions: 1, who: 'staff' },
  'GET /admin/readings/meters/:meter': { queries: 3, statements: 7, transactions: 1, who: 'staff' },
  'GET /services/market/registration': { queries: 5, statements: 9, transactions: 1, who: 'customer' },
  'GET /admin/market': { queries: 3, statements: 7, transactions: 1, who: 'staff' },
  'GET /admin/market/:member': { queries: 6, statements: 10, transactions: 1, who: 'staff' },
}

/** The customer's registration as a generation company, sent for review, with two units and their approvals. */
async function registrationWithUnits(trx: Knex.Transaction, tenantId: string): Promise<string> {
  const owner = await trx('customers').first<{ id: string }>('id')
  const file = await trx('attachments').first<{ file_id: string }>('file_id')
  const [member] = await trx('market_members')
    .insert({
      tenant_id: tenantId,
      customer_id: owner.id,
      member_type: 'generator',
      status: 'submitted',
      company_name: 'Budget Power',
      saved_parts: ['basic', 'business', 'contacts', 'parameters'],
      submitted_at: new Date(),
    })
    .returning<{ id: string }[]>('id')
  await trx('attachments').insert(
    ['uscc_certificate', 'legal_representative_id'].map((field) => ({
      tenant_id: tenantId,
      file_id: file.file_id,
      owner_type: 'market-member',
      owner_id: member!.id,
      field,
    })),
  )
  for (const name of ['Unit 1', 'Unit 2']) {
    const [unit] = await trx('market_units')
      .insert({
        tenant_id: tenantId,
        member_id: member!.id,
        kind: 'generating',
        name,
        unit_type: 'hydro',
        capacity_mw: '50',
        dispatch_name: name,
        connected_on: '2012-09-28',
      })
      .returning<{ id: string }[]>('id')
    await trx('attachments').insert(
      ['construction_approval', 'price_approval'].map((field) => ({
        tenant_id: tenantId,
        file_id: file.file_id,
        owner_type: 'market-unit',
        owner_id: unit!.id,
        field,
      })),
    )
  }
  return member!.id
}

/** A three-zone meter of the tenant's customer with a year of monthly readings, one under review. */
async function meterWithYear(trx: Knex.Transaction, tenantId: string): Promise<string> {
  const owner = await trx('customers').first<{ id: string }>('id')
  const [meter] = await trx('meters')
    .insert({
      tenant_id: tenantId,
      customer_id: owner.id,
      number: 'BUDGET-1',
      tariff: 'T3',
      zones: ['peak', 'semipeak', 'night'],
      digits: 6,
      decimals: 1,
      object: 'Polna 1',
      installed_on: '2025-01-01',
    })
    .returning<{ id: string }[]>('id')
  for (let month = 1; month <= 12; month++) {
    const [reading] = await trx('meter_readings')
      .insert({
        tenant_id: tenantId,
        meter_id: meter!.id,
        read_on: `2025-${String(month).padStart(2, '0')}-20`,
        source: 'customer',
        status: month === 12 ? 'review' : 'accepted',
      })
      .returning<{ id: string }[]>('id')
    await trx('meter_reading_values').insert(
      ['peak', 'semipeak', 'night'].map((zone, z) => ({
        tenant_id: tenantId,
        reading_id: reading!.id,
        zone,
        value: String(month * (z + 1) * 10),
      })),
    )
  }
  return meter!.id
}

describe('round trips per page', () => {
  let smtp: SmtpSink
  let one: TestApp
  let two: TestApp
  let host: string
  const ids: Record<string, string> = {}
  let customer: Awaited<ReturnType<typeof signedIn>>
  let staff: Awaited<ReturnType<typeof operatorSignIn>>['agent']
  let colleague: Awaited<ReturnType<typeof signedIn>>

  beforeAll(async () => {
    smtp = await startSmtpSink()
    one = await createTestApp({ smtpUrl: smtp.url, mailWorker: true })
    // The process measured runs no jobs: every statement it sends is a page's.
    // (Nor its live hub's periodic check, which would land in a measurement now and then.)
    // A session is touched once a minute of real time: a touch falling between the warm-up
    // and the measured request would count as the page's (session-touch.test.ts counts touches).
    // Likewise the host's tenant, kept 30 s of real time: a slow warm-up on a busy machine
    // let it expire before the measured request, which then counted its reload (CI, 3 Dec).
    two = await createTestApp({
      smtpUrl: smtp.url,
      database: one.db,
      liveRecheckMs: 3_600_000,
      tenantTtlMs: 3_600_000,
      app: { sessionTouchEveryMs: 3_600_000 },
    })
    two.clock.set(one.clock.now())
    const tenant = await createTenant(one.db.owner, {
      enabledServices: ['applications', 'pgb', 'readings', 'market'],
      modules: { services: { access: { pgb: 'open' } } },
    })
    host = tenant.host
    await seedType(one.db.owner, tenant.id, 'tp15', TP15)
    await registerConfirmed(one, smtp, host, 'budget@example.com', PASSWORD)
    const sent = await postApplication(
      await signedIn(one, host, 'budget@example.com', PASSWORD),
      '/services/applications/new/tp15',
      { text: 'Connect', f_capacity: '5', f_address: 'Polna 1', action: 'submit' },
      [['doc_plan', 'plan.pdf', PDF]],
    )
    ids.id = /applications\/([0-9a-f-]{36})\/sent/.exec(sent.headers.location!)![1]!
    // A message on it: the page's budget covers a conversation (its files come with the application's).
    await withTenant(one.db.owner, tenant.id, (trx) =>
      trx('application_messages').insert({
        tenant_id: tenant.id,
        application_id: ids.id,
        author_type: 'operator',
        body: 'We will come on Monday',
      }),
    )
    ids.unit = await withTenant(one.db.owner, tenant.id, async (trx) => {
      const owner = await trx('customers').first<{ id: string }>('id')
      return insertUnit(trx, tenant.id, owner.id)
    })
    ids.meter = await withTenant(one.db.owner, tenant.id, (trx) => meterWithYear(trx, tenant.id))
    ids.member = await withTenant(one.db.owner, tenant.id, (trx) => registrationWithUnits(trx, tenant.id))
    customer = await signedIn(two, host, 'budget@example.com', PASSWORD)
    staff = (await operatorSignIn(two, host, await createOperator(two, tenant.id, 'operator'))).agent
    // A colleague who may follow the customer's applications, acting for them.
    await registerConfirmed(one, smtp, host, 'budget-colleague@example.com', PASSWORD)
    const account = await withTenant(one.db.owner, tenant.id, async (trx) => {
      const [owner, person] = await Promise.all(
        ['budget@example.com', 'budget-colleague@example.com'].map((email) =>
          trx('customers').where({ email }).first<{ id: string }>('id'),
        ),
      )
      await trx('account_members').insert({
        tenant_id: tenant.id,
        account_id: owner!.id,
        person_id: person!.id,
        role: 'colleague',
        permissions: ['applications:view'],
      })
      return owner!.id
    })
    colleague = await signedIn(two, host, 'budget-colleague@example.com', PASSWORD)
    await colleague.get('/account/acting')
    expect((await colleague.post('/account/acting', { account })).status).toBe(303)
  })
  afterAll(async () => {
    await two.close()
    await one.close()
    await smtp.close()
  })

  it.each(Object.entries(BUDGETS))('%s stays within its budget', async (route, budget) => {
    const path = route
      .replace(/^GET /, '')
      .replace(/ as colleague$/, '')
      .replace(':id', ids.id!)
      .replace(':unit', ids.unit!)
      .replace(':meter', ids.meter!)
      .replace(':member', ids.member!)
      .replace(':day', '2026-11-23')
    const agent = { customer, staff, colleague }[budget.who]
    // Once to warm the caches a page may use (tenant settings, the session's first touch), then measured.
    expect((await agent.get(path)).status).toBe(200)
    const cost = await costOf(two, () => agent.get(path))
    expect(cost.transactions).toBeLessThanOrEqual(budget.transactions)
    expect(cost.queries).toBeLessThanOrEqual(budget.queries)
    expect(cost.statements).toBeLessThanOrEqual(budget.statements)
  })

  it.each(['/admin/applications?type=reading', '/admin/market?status=submitted'])(
    'the paged list %s plans its statements per value, not with a generic plan',
    async (path) => {
      const cost = await costOf(two, () => staff.get(path))
      const set = cost.sql.indexOf('SET LOCAL plan_cache_mode = force_custom_plan')
      expect(set).toBeGreaterThan(0)
      expect(cost.sql.length).toBeGreaterThan(set + 1)
    },
  )
})
