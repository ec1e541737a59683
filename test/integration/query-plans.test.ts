import type { Knex } from 'knex'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { planForEachValue, statementName } from '../../src/db/statements.ts'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { queueQuery, staffQueue, type QueueFilter } from '../../src/modules/applications/list.service.ts'
import { dayOverview } from '../../src/modules/generation/overview.service.ts'
import { systemContext, type RequestContext } from '../../src/platform/context.ts'
import { READING, TP15, seedType } from '../helpers/applications.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { createTenant } from '../helpers/factories.ts'
import { createOperator, operatorSignIn } from '../helpers/operators.ts'

/** A plan's nodes, flattened. */
type PlanNode = {
  'Node Type': string
  'Relation Name'?: string
  'Actual Rows'?: number
  'Actual Loops'?: number
  'Rows Removed by Filter'?: number
  'Rows Removed by Index Recheck'?: number
  Plans?: PlanNode[]
}
/** How many of a table's rows a node read: those it passed on and those it threw away. */
const rowsRead = (n: PlanNode) =>
  ((n['Actual Rows'] ?? 0) + (n['Rows Removed by Filter'] ?? 0) + (n['Rows Removed by Index Recheck'] ?? 0)) *
  (n['Actual Loops'] ?? 1)
const nodes = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodes)]

/**
 * Issue 18 item 6: on a tenant of 10,000 applications of 100 customers (and a second
 * tenant as large beside it), a filtered page of the staff queue reads about what its
 * filter matches, not the tenant's whole table. A search by name goes through the
 * customers; one that could be part of a number also reads the tenant's numbers (under
 * row-level security Postgres uses no index for ILIKE, which is not LEAKPROOF).
 */
describe('query plans of the staff queue', () => {
  let t: TestApp
  let ctx: RequestContext
  let host: string
  beforeAll(async () => {
    t = await createTestApp()
    for (const [i, name] of ['planned', 'neighbour'].entries()) {
      const tenant = await createTenant(t.db.owner, { name })
      await seedType(t.db.owner, tenant.id, 'tp15', TP15)
      await seedType(t.db.owner, tenant.id, 'reading', READING)
      await withTenant(t.db.owner, tenant.id, async (trx) => {
        const type = await trx('application_types').where({ code: 'tp15' }).first<{ id: string }>('id')
        await trx.raw(
          `INSERT INTO customers (tenant_id, email, status, organisation_name)
           SELECT ?, 'c' || n || '@example.com', 'active', 'Firma ' || n FROM generate_series(1, 100) n`,
          [tenant.id],
        )
        await trx.raw(
          `INSERT INTO applications (tenant_id, customer_id, type_id, type_code, number, status, content, submitted_at, due_on)
           SELECT ?, c.id, ?, (ARRAY['tp15','reading','tp15','tp15'])[1 + n % 4], 'TP-2026-' || lpad(n::text, 6, '0'),
                  (ARRAY['submitted','inProgress','contract','completed','returned'])[1 + n % 5],
                  '{"text":"x","contact":"","values":{}}', now() - n * interval '1 hour',
                  (now() - n * interval '1 hour')::date + 14
           FROM generate_series(1, 10000) n
           JOIN LATERAL (SELECT id FROM customers WHERE tenant_id = ? ORDER BY id OFFSET n % 100 LIMIT 1) c ON true`,
          [tenant.id, type.id, tenant.id],
        )
      })
      if (i === 0) {
        ctx = systemContext((await t.deps.tenants.byHost(tenant.host))!, 'plans')
        host = tenant.host
      }
    }
    await t.db.owner.raw('ANALYZE applications, customers, application_types, operators')
  }, 120_000)
  afterAll(() => t.close())

  /**
   * A queue page as `paginate` runs it — its count, then its first 50 rows — with how many
   * applications match: the plans' scans of applications, and that number.
   */
  const plan = (filter: QueueFilter) =>
    withTenant(t.deps.db, ctx.tenant.id, async (trx) => {
      // As the queue's page does (staffQueue).
      await planForEachValue(trx)
      const query = queueQuery(trx, ctx, new Date(), filter)
      const count = () => query.clone().clearSelect().clearOrder().count<{ n: string }[]>('* as n')
      const matching = Number((await count())[0]!.n)
      return {
        matching,
        scans: [...(await explain(trx, count())), ...(await explain(trx, query.limit(50)))].filter(
          (n) => n['Relation Name'] === 'applications',
        ),
      }
    })
  const quoted = (text: string) => `'${text.replace(/'/g, "''")}'`
  const literal = (value: unknown): string =>
    value === null
      ? 'NULL'
      : Array.isArray(value)
        ? quoted(`{${value.map((v) => `"${String(v).replace(/["\\]/g, '\\$&')}"`).join(',')}}`)
        : value instanceof Date
          ? quoted(value.toISOString())
          : typeof value === 'number' || typeof value === 'boolean'
            ? String(value)
            : quoted(typeof value === 'string' ? value : JSON.stringify(value))

  /**
   * The plan as Postgres makes it for these values and, where the transaction lets it keep
   * a generic plan for the prepared statement after five runs (statements.ts), that one too.
   */
  const explain = async (trx: Knex.Transaction, query: Knex.QueryBuilder) => {
    const { sql, bindings } = query.toSQL().toNative()
    const custom = await trx.raw<{ rows: { 'QUERY PLAN': [{ Plan: PlanNode }] }[] }>(
      `EXPLAIN (ANALYZE, FORMAT JSON) ${sql.replace(/\$\d+/g, '?')}`,
      bindings,
    )
    const found = nodes(custom.rows[0]!['QUERY PLAN'][0].Plan)
    const mode = await trx.raw<{ rows: { mode: string }[] }>(
      `SELECT current_setting('plan_cache_mode') AS mode`,
    )
    if (mode.rows[0]!.mode !== 'auto') return found
    await trx.raw(sql.replace(/\$\d+/g, '?'), bindings)
    await trx.raw('SET LOCAL plan_cache_mode = force_generic_plan')
    // EXECUTE takes its values as literals: the statement it explains has no parameters.
    const generic = await trx.raw<{ rows: { 'QUERY PLAN': [{ Plan: PlanNode }] }[] }>(
      `EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE ${statementName(sql)}(${bindings.map(literal).join(', ')})`,
    )
    await trx.raw('SET LOCAL plan_cache_mode = auto')
    return [...found, ...nodes(generic.rows[0]!['QUERY PLAN'][0].Plan)]
  }

  it.each<[string, QueueFilter]>([
    ['a status', { status: 'returned' }],
    ['a type', { type: 'reading' }],
    ['overdue', { overdue: true }],
  ])('reads %s through its indexes, not the tenant’s 10,000 applications', async (_, filter) => {
    const { matching, scans } = await plan(filter)
    expect(matching).toBeGreaterThan(0)
    expect(scans.map((n) => n['Node Type'])).not.toContain('Seq Scan')
    // No statement reads much more of the table than the page's filter matches.
    expect(Math.max(...scans.map(rowsRead))).toBeLessThanOrEqual(Math.max(2 * matching, 500))
  })

  it('searches by a name through the customers, without reading every number; a number still finds its application', async () => {
    // Firma 7 and Firma 70–79: 11 customers of 100 applications each.
    const byName = await plan({ q: 'Firma 7' })
    expect(byName.matching).toBe(1100)
    expect(byName.scans.map((n) => n['Node Type'])).not.toContain('Seq Scan')
    expect(Math.max(...byName.scans.map(rowsRead))).toBeLessThanOrEqual(2 * byName.matching)
    // The count and the page each read a matching application once: found by its
    // customer, not found by its customer and then again by its key.
    expect(byName.scans.reduce((sum, n) => sum + rowsRead(n), 0)).toBeLessThanOrEqual(2 * byName.matching)
    const byNumber = await plan({ q: 'tp-2026-000123' })
    expect(byNumber.matching).toBe(1)
  })

  /** The statements one page of the queue sends, each with its plan's scans of applications. */
  const pageScans = async (page: number) => {
    const statements: { sql: string; bindings: unknown[] }[] = []
    const onQuery = (q: { sql: string; bindings: unknown[] }) => statements.push(q)
    t.deps.db.on('query', onQuery)
    const result = await staffQueue(t.deps, ctx, {}, page).finally(() => t.deps.db.off('query', onQuery))
    const scans = await withTenant(t.deps.db, ctx.tenant.id, async (trx) => {
      const found: PlanNode[] = []
      for (const s of statements.filter((s) => /^\s*select/i.test(s.sql) && !/set_config/.test(s.sql))) {
        const { rows } = await trx.raw<{ rows: { 'QUERY PLAN': [{ Plan: PlanNode }] }[] }>(
          `EXPLAIN (ANALYZE, FORMAT JSON) ${s.sql.replace(/\$\d+/g, '?')}`,
          s.bindings as Knex.RawBinding[],
        )
        found.push(...nodes(rows[0]!['QUERY PLAN'][0].Plan))
      }
      return found.filter((n) => n['Relation Name'] === 'applications')
    })
    return { result, scans, statements: statements.map((s) => s.sql) }
  }

  it('plans the queue’s statements for their values, never with a generic plan made for average ones', async () => {
    const { statements } = await pageScans(1)
    const set = statements.findIndex((s) => /^SET LOCAL plan_cache_mode = force_custom_plan$/.test(s))
    expect(set).toBeGreaterThanOrEqual(0)
    expect(statements.findIndex((s) => /from "applications"/.test(s))).toBeGreaterThan(set)
  })

  it('counts the whole queue only up to 1,000: the first page reads about that, not all 10,000', async () => {
    const { result, scans } = await pageScans(1)
    // The seed: 10,000 sent applications, none a draft, 50 a page.
    expect(result).toMatchObject({ total: 1000, more: true, page: 1, pages: 20 })
    expect(result.rows).toHaveLength(50)
    expect(scans.length).toBeGreaterThan(0)
    expect(Math.max(...scans.map(rowsRead))).toBeLessThanOrEqual(1100)
  })

  it('goes on past the counted pages while rows remain, and stops at the last', async () => {
    const deep = await pageScans(30)
    expect(deep.result).toMatchObject({ page: 30, pages: 31, more: true })
    expect(deep.result.rows).toHaveLength(50)
    const last = await staffQueue(t.deps, ctx, {}, 200)
    expect(last).toMatchObject({ page: 200, pages: 200, more: true })
    expect(last.rows).toHaveLength(50)
    // Past the end (an old link): the last counted page, as a clamped exact count would.
    const past = await staffQueue(t.deps, ctx, {}, 201)
    expect(past).toMatchObject({ page: 20, pages: 21 })
    // A filter matching fewer than that is counted exactly: returned (n % 5 = 4) readings (n % 4 = 1).
    const few = await staffQueue(t.deps, ctx, { status: 'returned', type: 'reading' }, 1)
    expect(few).toMatchObject({ total: 500, pages: 10 })
    expect(few.more).toBeUndefined()
  })

  it('says "more than" on the page and offers the next page without a last one', async () => {
    const staff = await operatorSignIn(t, host, await createOperator(t, ctx.tenant.id, 'operator'))
    const first = await staff.agent.get('/admin/applications')
    expect(first.status).toBe(200)
    expect(first.text).toContain('More than 1000 applications — page 1')
    expect(first.text).toContain('href="/admin/applications?page=2"')
    expect(first.text).not.toContain('page=20"')
    const deep = await staff.agent.get('/admin/applications?page=20')
    expect(deep.text).toContain('More than 1000 applications — page 20')
    expect(deep.text).toContain('href="/admin/applications?page=21"')
  })
})

/**
 * Issue 18 item 6, the day overview: with 400 units and a schedule for each of sixty days,
 * every statement of one day's overview reads that day's schedules and versions (through
 * the (tenant, day, status) index and the versions' key), never the other days' (with ten days the planner rightly scans
 * them all; a tenant's history is longer than that).
 */
describe('query plans of the day overview', () => {
  const UNITS = 400
  const DAYS = 60
  const DAY = '2026-11-25'
  let t: TestApp
  let ctx: RequestContext
  beforeAll(async () => {
    t = await createTestApp()
    const tenant = await createTenant(t.db.owner, { name: 'overview', enabledServices: ['pgb'] })
    await withTenant(t.db.owner, tenant.id, async (trx) => {
      // 24,000 schedules and their versions: longer than the server's 10 s limit on a busy machine.
      await trx.raw(`SET LOCAL statement_timeout = '60s'`)
      const [customer] = await trx('customers')
        .insert({ tenant_id: tenant.id, email: 'producer@example.com', status: 'active' })
        .returning<{ id: string }[]>('id')
      await trx.raw(
        `INSERT INTO generating_units (tenant_id, customer_id, code, name, technology, capacity_kw, active_from)
         SELECT ?, ?, 'U-' || g, 'Unit ' || g, 'pv', 1000, '2026-01-01' FROM generate_series(1, ?) g`,
        [tenant.id, customer!.id, UNITS],
      )
      await trx.raw(
        `INSERT INTO schedules (tenant_id, unit_id, day, status, version)
         SELECT u.tenant_id, u.id, ?::date + d, 'accepted', 1 FROM generating_units u, generate_series(0, ?) d`,
        ['2026-11-20', DAYS - 1],
      )
      await trx.raw(
        `INSERT INTO schedule_versions (tenant_id, schedule_id, version, status, resolution, first_start, values, total)
         SELECT tenant_id, id, 1, 'accepted', 15, day::timestamp AT TIME ZONE 'Europe/Warsaw',
                array_fill(1.5::numeric, ARRAY[96]), 144 FROM schedules`,
      )
    })
    await t.db.owner.raw('VACUUM ANALYZE generating_units, schedules, schedule_versions')
    ctx = systemContext((await t.deps.tenants.byHost(tenant.host))!, 'plans')
  }, 120_000)
  afterAll(() => t.close())

  it('reads one day of schedules, not every day of them', async () => {
    const statements: { sql: string; bindings: unknown[] }[] = []
    const onQuery = (q: { sql: string; bindings: unknown[] }) => statements.push(q)
    t.deps.db.on('query', onQuery)
    const overview = await dayOverview(t.deps, ctx, DAY, 96, 15, {}, 1).finally(() =>
      t.deps.db.off('query', onQuery),
    )
    // The page itself, from the seed: every unit accepted, each interval the sum of 1.5 × 400.
    expect(overview.counts).toEqual({ accepted: UNITS })
    expect(overview.totals).toEqual(Array(96).fill(1.5 * UNITS))
    const selects = statements.filter((s) => /^\s*select/i.test(s.sql) && !/set_config/.test(s.sql))
    expect(selects.length).toBeGreaterThanOrEqual(4)
    const scans = await withTenant(t.deps.db, ctx.tenant.id, async (trx) => {
      const found: PlanNode[] = []
      for (const s of selects) {
        const { rows } = await trx.raw<{ rows: { 'QUERY PLAN': [{ Plan: PlanNode }] }[] }>(
          `EXPLAIN (ANALYZE, FORMAT JSON) ${s.sql.replace(/\$\d+/g, '?')}`,
          s.bindings as Knex.RawBinding[],
        )
        found.push(...nodes(rows[0]!['QUERY PLAN'][0].Plan))
      }
      return found.filter((n) => ['schedules', 'schedule_versions'].includes(n['Relation Name'] ?? ''))
    })
    expect(scans.length).toBeGreaterThan(0)
    expect(scans.map((n) => n['Node Type'])).not.toContain('Seq Scan')
    // A day has UNITS schedules of UNITS × DAYS: no node reads much past one day's.
    expect(Math.max(...scans.map(rowsRead))).toBeLessThanOrEqual(2 * UNITS)
  })
})
