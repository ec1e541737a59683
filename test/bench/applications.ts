import { randomUUID } from 'node:crypto'
import type { Express } from 'express'
import type { Knex } from 'knex'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { TypeDefinition } from '../../src/modules/applications/definition.ts'
import { hashPassword } from '../../src/platform/passwords.ts'
import { systemClock, type Clock } from '../../src/platform/clock.ts'
import { agentFor, cookieOf } from '../helpers/agent.ts'
import { READING, TP15 } from '../helpers/applications.ts'
import { createOperator, operatorSignIn } from '../helpers/operators.ts'

export const TOTAL_APPLICATIONS = 10_000
export const CUSTOMERS = 100
const PASSWORD = 'bench customer password 1'

/**
 * A tenant with 10,000 applications of 100 customers (the benchmark customer has 100 of
 * them, a tenth with an unread staff message), and signed-in sessions for that customer,
 * for a colleague acting for its account (issue 21: what acting costs a page) and for an
 * operator, taken through the real sign-in pages.
 */
export async function seedApplications(
  owner: Knex,
  app: Express,
  tenant: { id: string; host: string },
  clock: Clock = systemClock,
): Promise<{ customerCookie: string; colleagueCookie: string; staffCookie: string; conversation: string }> {
  const passwordHash = await hashPassword(PASSWORD)
  await withTenant(owner, tenant.id, async (trx) => {
    for (const [code, def] of [
      ['tp15', TP15],
      ['reading', READING],
    ] as const)
      await trx('application_types').insert({
        tenant_id: tenant.id,
        code,
        version: 1,
        definition: JSON.stringify(TypeDefinition.parse(def)),
      })
    const now = new Date()
    await trx('customers').insert(
      // One more login: the colleague, who owns nothing and acts for the benchmark customer.
      Array.from({ length: CUSTOMERS + 1 }, (_, i) => ({
        tenant_id: tenant.id,
        id: randomUUID(),
        email: `bench${i}@example.com`,
        password_hash: passwordHash,
        status: 'active',
        category: 'individual',
        full_name: i === CUSTOMERS ? 'Colleague of Customer 0' : `Customer ${i}`,
        created_at: now,
        confirmed_at: now,
        password_changed_at: now,
        consent_at: now,
      })),
    )
    await trx.raw(
      `INSERT INTO account_members (tenant_id, account_id, person_id, role, permissions)
       SELECT :tenant, a.id, p.id, 'colleague', '{applications:view}'
       FROM customers a, customers p WHERE a.email = 'bench0@example.com' AND p.email = :colleague`,
      { tenant: tenant.id, colleague: `bench${CUSTOMERS}@example.com` },
    )
    await trx.raw(
      `INSERT INTO applications (tenant_id, customer_id, type_id, type_code, number, status, content, created_at, submitted_at, due_on)
       SELECT :tenant, c.id, t.id, t.code, t.definition->>'prefix' || '-2026-' || lpad(g::text, 6, '0'),
              (ARRAY['submitted','inProgress','contract','works','completed','returned'])[1 + g % 6],
              '{"text":"Please","contact":"","values":{}}'::jsonb,
              now() - g * interval '7 minutes', now() - g * interval '7 minutes',
              (now() - g * interval '7 minutes')::date + 14
       FROM generate_series(1, :total) g
       JOIN LATERAL (SELECT id FROM customers WHERE tenant_id = :tenant AND email <> :colleague ORDER BY email OFFSET (g % :customers) LIMIT 1) c ON true
       JOIN LATERAL (SELECT id, code, definition FROM application_types WHERE tenant_id = :tenant AND code = (CASE WHEN g % 2 = 0 THEN 'tp15' ELSE 'reading' END)) t ON true`,
      {
        tenant: tenant.id,
        total: TOTAL_APPLICATIONS,
        customers: CUSTOMERS,
        colleague: `bench${CUSTOMERS}@example.com`,
      },
    )
    await trx.raw(
      `INSERT INTO application_messages (tenant_id, application_id, author_type, body)
       SELECT tenant_id, id, 'operator', 'We will come on Monday' FROM applications WHERE tenant_id = ? AND random() < 0.1`,
      [tenant.id],
    )
    // One application of the benchmark customer with a conversation of 20 messages, for its page.
    await trx.raw(
      `INSERT INTO application_messages (tenant_id, application_id, author_type, body)
       SELECT a.tenant_id, a.id, (ARRAY['operator','customer'])[1 + g % 2], 'Message ' || g || ' about the connection'
       FROM (SELECT a.tenant_id, a.id FROM applications a JOIN customers c ON c.id = a.customer_id
             WHERE a.tenant_id = :tenant AND c.email = 'bench0@example.com' ORDER BY a.submitted_at DESC LIMIT 1) a,
            generate_series(1, 20) g`,
      { tenant: tenant.id },
    )
    await trx.raw(
      `UPDATE applications a SET last_message_n = m.n FROM (SELECT application_id, max(n) AS n FROM application_messages GROUP BY 1) m WHERE m.application_id = a.id`,
    )
    await trx.raw('ANALYZE applications')
    await trx.raw('ANALYZE application_messages')
  })
  const t = { app, clock, db: { owner } } as unknown as Parameters<typeof operatorSignIn>[0]
  const customer = agentFor(app, tenant.host)
  await customer.get('/login')
  const login = await customer.post('/login', { login: 'bench0@example.com', password: PASSWORD })
  if (login.status !== 303) throw new Error(`bench customer sign-in failed: ${login.status}`)
  const colleague = agentFor(app, tenant.host)
  await colleague.get('/login')
  await colleague.post('/login', { login: `bench${CUSTOMERS}@example.com`, password: PASSWORD })
  await colleague.get('/account/acting')
  const account = await withTenant(owner, tenant.id, (trx) =>
    trx('customers').where({ email: 'bench0@example.com' }).first<{ id: string }>('id'),
  )
  const acting = await colleague.post('/account/acting', { account: account.id })
  if (acting.status !== 303)
    throw new Error(`bench colleague could not act for the customer: ${acting.status}`)
  const staff = await operatorSignIn(t, tenant.host, await createOperator(t, tenant.id, 'operator'))
  const conversation = await withTenant(owner, tenant.id, (trx) =>
    trx('application_messages')
      .groupBy('application_id')
      .havingRaw('count(*) >= 20')
      .first<{ application_id: string }>('application_id'),
  )
  return {
    customerCookie: cookieOf(customer),
    colleagueCookie: cookieOf(colleague),
    staffCookie: cookieOf(staff.agent),
    conversation: conversation.application_id,
  }
}
