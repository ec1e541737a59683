import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Knex } from 'knex'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { listTypes } from '../../src/modules/applications/types.service.ts'
import { assignableOperators } from '../../src/modules/operators/index.ts'
import { customerServicesOf } from '../../src/modules/services/index.ts'
import { changeCustomerService } from '../../src/modules/services/access.service.ts'
import { systemContext, type RequestContext } from '../../src/platform/context.ts'
import { READING, TP15, seedType } from '../helpers/applications.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { createTenant } from '../helpers/factories.ts'
import { createOperator } from '../helpers/operators.ts'

/**
 * Issue 18 item 2: application types, the staff work can be assigned to and a customer's
 * services are cached in each process and forgotten when any writer — here psql-like, as the owner, outside every
 * service — changes them.
 */
describe('the per-process cache of reference data', () => {
  let one: TestApp
  let two: TestApp
  let ctx: RequestContext
  let tenantId: string
  beforeAll(async () => {
    one = await createTestApp()
    two = await createTestApp({ database: one.db })
    // pgb is had by enrolment (token), the other two are open to every customer.
    const tenant = await createTenant(one.db.owner, { enabledServices: ['applications', 'readings', 'pgb'] })
    tenantId = tenant.id
    await seedType(one.db.owner, tenant.id, 'tp15', TP15)
    ctx = systemContext((await one.deps.tenants.byHost(tenant.host))!, 'cache')
  })
  afterAll(async () => {
    await two.close()
    await one.close()
  })

  const codes = async (t: TestApp) => (await listTypes(t.deps, ctx)).map((type) => type.code)
  const staff = async (t: TestApp) => (await assignableOperators(t.deps, tenantId)).map((o) => o.name)
  /** Asks both processes until `done` holds for each (at most 2 s); what they last said. */
  const untilBoth = async <T>(ask: (t: TestApp) => Promise<T>, done: (value: T) => boolean) => {
    const deadline = Date.now() + 2_000
    let seen: T[] = []
    while (Date.now() < deadline) {
      seen = [await ask(one), await ask(two)]
      if (seen.every(done)) break
      await sleep(20)
    }
    return seen
  }
  const asOwner = <T>(fn: (trx: Knex.Transaction) => Promise<T>) => withTenant(one.db.owner, tenantId, fn)

  it('reads the table once per process, and again in every process after a change', async () => {
    expect(await codes(one)).toEqual(['tp15'])
    expect(await codes(two)).toEqual(['tp15'])
    const queries: string[] = []
    const count = (q: { sql: string }) => void (/application_types/.test(q.sql) && queries.push(q.sql))
    one.deps.db.on('query', count)
    two.deps.db.on('query', count)
    try {
      expect(await codes(one)).toEqual(['tp15'])
      expect(await codes(two)).toEqual(['tp15'])
      expect(queries).toEqual([])
      await seedType(one.db.owner, tenantId, 'reading', READING)
      expect(await untilBoth(codes, (c) => c.length === 2)).toEqual([
        ['reading', 'tp15'],
        ['reading', 'tp15'],
      ])
    } finally {
      one.deps.db.off('query', count)
      two.deps.db.off('query', count)
    }
  })

  it('keeps the staff work can be assigned to, and forgets it on a rename or a disabling, not on a sign-in', async () => {
    const email = await createOperator(one, tenantId, 'operator', 'kept@staff.example')
    expect(await untilBoth(staff, (names) => names.includes(`Staff ${email}`))).toEqual([
      [`Staff ${email}`],
      [`Staff ${email}`],
    ])
    // The insert's own NOTIFY may land after those reads and clear what they kept: let it.
    await sleep(200)
    await Promise.all([staff(one), staff(two)])
    const queries: string[] = []
    const count = (q: { sql: string }) => void (/from "operators"/.test(q.sql) && queries.push(q.sql))
    one.deps.db.on('query', count)
    two.deps.db.on('query', count)
    try {
      // A sign-in's TOTP step changes the row, not what the list shows.
      await asOwner((trx) => trx('operators').where({ email }).update({ totp_last_step: 1 }))
      await sleep(200)
      expect([await staff(one), await staff(two)]).toEqual([[`Staff ${email}`], [`Staff ${email}`]])
      expect(queries).toEqual([])
      await asOwner((trx) => trx('operators').where({ email }).update({ name: 'Anna Nowak' }))
      expect(await untilBoth(staff, (names) => names[0] === 'Anna Nowak')).toEqual([
        ['Anna Nowak'],
        ['Anna Nowak'],
      ])
      await asOwner((trx) => trx('operators').where({ email }).update({ disabled_at: trx.fn.now() }))
      expect(await untilBoth(staff, (names) => names.length === 0)).toEqual([[], []])
    } finally {
      one.deps.db.off('query', count)
      two.deps.db.off('query', count)
    }
  })

  it('keeps a customer’s services, forgotten on a change by any writer, and at once by its own', async () => {
    const customerId = await asOwner(async (trx) => {
      const [row] = await trx('customers')
        .insert({ tenant_id: tenantId, email: 'kept-services@example.com', status: 'active' })
        .returning<{ id: string }[]>('id')
      return row!.id
    })
    const services = (t: TestApp) => customerServicesOf(t.deps).servicesOf(ctx, customerId)
    const withPgb = (s: string[]) => s.includes('pgb')
    expect([await services(one), await services(two)].map(withPgb)).toEqual([false, false])
    const queries: string[] = []
    const count = (q: { sql: string }) => void (/from "customer_services"/.test(q.sql) && queries.push(q.sql))
    one.deps.db.on('query', count)
    two.deps.db.on('query', count)
    try {
      expect([await services(one), await services(two)].map(withPgb)).toEqual([false, false])
      expect(queries).toEqual([])
      // Another writer (psql, a seed): every process hears it.
      await asOwner((trx) =>
        trx('customer_services').insert({
          tenant_id: tenantId,
          customer_id: customerId,
          service: 'pgb',
          added_by: 'test',
          added_at: trx.fn.now(),
        }),
      )
      expect((await untilBoth(services, withPgb)).map(withPgb)).toEqual([true, true])
      // This process's own write is seen by its next read, not only once its NOTIFY is back:
      // with the trigger off, the other process keeps what it had.
      await one.db.owner.raw('ALTER TABLE customer_services DISABLE TRIGGER customer_services_changed')
      try {
        const staff = { ...ctx, actor: { type: 'operator' as const, id: randomUUID() } }
        expect(await changeCustomerService(one.deps, staff, customerId, 'pgb', false)).toBe('changed')
        expect(withPgb(await services(one))).toBe(false)
        await sleep(200)
        expect(withPgb(await services(two))).toBe(true)
      } finally {
        await one.db.owner.raw('ALTER TABLE customer_services ENABLE TRIGGER customer_services_changed')
      }
    } finally {
      one.deps.db.off('query', count)
      two.deps.db.off('query', count)
    }
  })
})
