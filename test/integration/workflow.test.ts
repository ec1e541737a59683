import { randomUUID } from 'node:crypto'
import type { Knex } from 'knex'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createKnex } from '../../src/db/knex.ts'
import { createTenantTable } from '../../src/db/rls.ts'
import { withTenant } from '../../src/db/tenant-scope.ts'
import type { RequestContext } from '../../src/platform/context.ts'
import { ConflictError, ForbiddenError, InvalidFieldError, NotFoundError } from '../../src/platform/errors.ts'
import {
  applyTransition,
  availableTransitions,
  defineWorkflow,
  statusHistory,
} from '../../src/platform/workflow/index.ts'
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts'
import { createTenant } from '../helpers/factories.ts'

/** A connection-request-like workflow (seed 002's "Заявки"), as a module would define it. */
const requests = defineWorkflow({
  name: 'probe',
  initial: 'draft',
  statuses: [
    { code: 'draft', turn: 'customer' },
    { code: 'submitted', turn: 'staff' },
    { code: 'needsInfo', turn: 'customer' },
    { code: 'approved', turn: 'none', terminal: true },
    { code: 'rejected', turn: 'none', terminal: true },
  ],
  transitions: [
    { from: 'draft', to: 'submitted', by: ['customer'], notifyCustomer: true },
    {
      from: 'submitted',
      to: 'needsInfo',
      by: ['operator', 'admin'],
      comment: 'required',
      notifyCustomer: true,
    },
    { from: 'needsInfo', to: 'submitted', by: ['customer'] },
    { from: 'submitted', to: 'approved', by: ['operator', 'admin'], notifyCustomer: true },
    {
      from: 'submitted',
      to: 'rejected',
      by: ['operator', 'admin'],
      comment: 'required',
      notifyCustomer: true,
    },
  ],
})

describe('the workflow engine', () => {
  let db: TestDatabase
  let runtime: Knex
  let tenant: Awaited<ReturnType<typeof createTenant>>
  let other: Awaited<ReturnType<typeof createTenant>>

  const ctx = (actor: RequestContext['actor'], t = tenant): RequestContext => ({
    tenant: { id: t.id, slug: t.slug, settings: t.settings },
    actor,
    locale: 'en',
    requestId: 'test',
    ip: undefined,
  })
  let customer: RequestContext
  let staff: RequestContext

  async function subject(t = tenant): Promise<string> {
    const [row] = await withTenant(runtime, t.id, (trx) =>
      trx('probe_subjects').insert({ tenant_id: t.id, status: 'draft' }).returning<{ id: string }[]>('id'),
    )
    return row!.id
  }
  const status = (id: string) =>
    withTenant(runtime, tenant.id, async (trx) => {
      const row = await trx('probe_subjects').where({ id }).first<{ status: string }>('status')
      return row.status
    })
  const move = (c: RequestContext, id: string, request: Parameters<typeof applyTransition>[4]) =>
    withTenant(runtime, c.tenant.id, (trx) =>
      applyTransition(trx, c, requests, { table: 'probe_subjects', type: 'probe', id }, request),
    )

  beforeAll(async () => {
    db = await createTestDatabase()
    await createTenantTable(db.owner, 'probe_subjects', (t) => t.text('status').notNullable())
    runtime = createKnex(db.runtimeUrl, { poolMax: 4 })
    tenant = await createTenant(db.owner)
    other = await createTenant(db.owner)
    customer = ctx({ type: 'customer', id: randomUUID() })
    staff = ctx({ type: 'operator', id: randomUUID() })
  })
  afterAll(async () => {
    await runtime.destroy()
    await db.drop()
  })

  it('refuses a workflow with a mistake when it is defined', () => {
    const base = {
      name: 'x',
      initial: 'a',
      statuses: [{ code: 'a', turn: 'none' as const }],
      transitions: [],
    }
    expect(() => defineWorkflow({ ...base, initial: 'b' })).toThrow(/initial status b/)
    expect(() => defineWorkflow({ ...base, transitions: [{ from: 'a', to: 'z', by: ['admin'] }] })).toThrow(
      /unknown status/,
    )
    expect(availableTransitions(requests, 'submitted', 'operator').map((t) => t.to)).toEqual([
      'needsInfo',
      'approved',
      'rejected',
    ])
    expect(availableTransitions(requests, 'submitted', 'customer')).toEqual([])
  })

  it('moves a subject, keeps its history, audits it, and emails when the step says so', async () => {
    const id = await subject()
    const notified: string[] = []
    const notify = (_trx: Knex.Transaction, change: { from: string; to: string }) => {
      notified.push(`${change.from}>${change.to}`)
      return Promise.resolve()
    }
    await move(customer, id, { to: 'submitted', expected: 'draft', role: 'customer', notify })
    await move(staff, id, {
      to: 'needsInfo',
      expected: 'submitted',
      role: 'operator',
      comment: 'Add the site plan',
      notify,
    })
    await move(customer, id, { to: 'submitted', expected: 'needsInfo', role: 'customer', notify })
    expect(await status(id)).toBe('submitted')
    expect(notified).toEqual(['draft>submitted', 'submitted>needsInfo'])
    const history = await withTenant(runtime, tenant.id, (trx) => statusHistory(trx, { type: 'probe', id }))
    expect(history.map((h) => [h.from_status, h.to_status, h.actor_type, h.comment])).toEqual([
      ['draft', 'submitted', 'customer', null],
      ['submitted', 'needsInfo', 'operator', 'Add the site plan'],
      ['needsInfo', 'submitted', 'customer', null],
    ])
    const audits = await withTenant(runtime, tenant.id, (trx) =>
      trx('audit_log')
        .where({ action: 'probe.status-changed', target_id: id })
        .count<{ count: string }[]>('* as count'),
    )
    expect(Number(audits[0]!.count)).toBe(3)
  })

  it('refuses a stale form, a wrong role, a missing comment and a step that does not exist — changing nothing', async () => {
    const id = await subject()
    await expect(
      move(staff, id, { to: 'approved', expected: 'submitted', role: 'operator' }),
    ).rejects.toThrow(ConflictError)
    await expect(move(staff, id, { to: 'submitted', expected: 'draft', role: 'operator' })).rejects.toThrow(
      ForbiddenError,
    )
    await move(customer, id, { to: 'submitted', expected: 'draft', role: 'customer' })
    await expect(
      move(staff, id, { to: 'rejected', expected: 'submitted', role: 'operator', comment: '  ' }),
    ).rejects.toThrow(InvalidFieldError)
    await expect(move(staff, id, { to: 'draft', expected: 'submitted', role: 'admin' })).rejects.toThrow(
      ConflictError,
    )
    expect(await status(id)).toBe('submitted')
    const history = await withTenant(runtime, tenant.id, (trx) => statusHistory(trx, { type: 'probe', id }))
    expect(history).toHaveLength(1)
  })

  it('lets exactly one of two simultaneous decisions through', async () => {
    const id = await subject()
    await move(customer, id, { to: 'submitted', expected: 'draft', role: 'customer' })
    const results = await Promise.allSettled([
      move(staff, id, { to: 'approved', expected: 'submitted', role: 'operator' }),
      move(staff, id, { to: 'rejected', expected: 'submitted', role: 'operator', comment: 'Incomplete' }),
    ])
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    const refused = results.find((r) => r.status === 'rejected')
    expect(refused?.reason).toBeInstanceOf(ConflictError)
    expect(['approved', 'rejected']).toContain(await status(id))
  })

  it('writes nothing when the email cannot be written, and never reaches another tenant’s row', async () => {
    const id = await subject()
    const failing = () => Promise.reject(new Error('outbox down'))
    await expect(
      move(customer, id, { to: 'submitted', expected: 'draft', role: 'customer', notify: failing }),
    ).rejects.toThrow('outbox down')
    expect(await status(id)).toBe('draft')
    expect(await withTenant(runtime, tenant.id, (trx) => statusHistory(trx, { type: 'probe', id }))).toEqual(
      [],
    )

    const foreign = await subject(other)
    await expect(
      move(customer, foreign, { to: 'submitted', expected: 'draft', role: 'customer' }),
    ).rejects.toThrow(NotFoundError)
  })
})
