import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Knex } from 'knex'
import pg from 'pg'
import { createKnex } from '../../src/db/knex.ts'
import { migrate, migrationConfig } from '../../src/db/migrate.ts'
import { moduleQueues } from '../../src/registry.ts'
import { createListener, type Listener } from '../../src/db/listener.ts'
import { MAX_PER_CONNECTION, SCHEMA_CHANGED, schemaChanged } from '../../src/db/statements.ts'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts'
import { createTenant } from '../helpers/factories.ts'

/** Statements with parameters go as named prepared statements, one connection at a time (poolMax 1). */
describe('prepared statements', () => {
  let db: TestDatabase
  let runtime: Knex
  let owner: Knex
  let a: { id: string }
  let b: { id: string }

  const prepared = (conn: Knex | Knex.Transaction) =>
    conn
      .raw<{ rows: { statement: string }[] }>('select statement from pg_prepared_statements')
      .then((r) => r.rows.map((row) => row.statement))
  const pid = async (conn: Knex) =>
    (await conn.raw<{ rows: { pid: number }[] }>('select pg_backend_pid() as pid')).rows[0]!.pid

  beforeAll(async () => {
    db = await createTestDatabase()
    runtime = createKnex(db.runtimeUrl, { poolMax: 1 })
    owner = createKnex(db.ownerUrl, { poolMax: 1 })
    a = await createTenant(db.owner)
    b = await createTenant(db.owner)
    for (const [tenant, action] of [
      [a, 'seed-a'],
      [b, 'seed-b'],
    ] as const) {
      await withTenant(db.owner, tenant.id, (trx) =>
        trx('audit_log').insert({ tenant_id: tenant.id, actor_type: 'system', action }),
      )
    }
    await owner.raw('create table scratch (a int)')
    await owner.raw('insert into scratch values (1)')
  })
  afterAll(async () => {
    await runtime.destroy()
    await owner.destroy()
    await db.drop()
  })

  const actions = (tenantId: string) =>
    withTenant(runtime, tenantId, (trx) => trx('audit_log').where('actor_type', 'system').pluck('action'))

  it('prepares a statement with parameters once per connection, and one without none', async () => {
    await actions(a.id)
    await actions(a.id)
    const statements = await prepared(runtime)
    expect(statements.filter((s) => s.includes('"audit_log"'))).toHaveLength(1)
    expect(statements.filter((s) => s.includes('pg_prepared_statements'))).toEqual([])
  })

  it('keeps each tenant to its own rows when one connection runs the same statement for both, past the generic plan', async () => {
    // Postgres may switch to a generic plan after five runs: the tenant is still the one set per transaction.
    for (let i = 0; i < 8; i++) {
      expect(await actions(a.id)).toEqual(['seed-a'])
      expect(await actions(b.id)).toEqual(['seed-b'])
    }
  })

  it(`keeps at most ${MAX_PER_CONNECTION} statements on a connection; more still run, unnamed`, async () => {
    for (let n = 0; n <= MAX_PER_CONNECTION + 5; n++) {
      const row = await runtime.raw<{ rows: { v: number }[] }>(`select ?::int + ${n} as v`, [1])
      expect(row.rows[0]!.v).toBe(n + 1)
    }
    expect((await prepared(runtime)).length).toBe(MAX_PER_CONNECTION)
  })

  it('survives a column added under a prepared select *: outside a transaction it is sent again, and the connection is let go', async () => {
    const select = () => owner('scratch').where('a', 1)
    await select()
    await select()
    const before = await pid(owner)
    const other = new pg.Client({ connectionString: db.ownerUrl })
    await other.connect()
    await other.query('alter table scratch add column b int default 2')
    await other.end()
    expect(await select()).toEqual([{ a: 1, b: 2 }])
    expect(await pid(owner)).not.toBe(before)
  })

  it('inside a transaction the statement fails with it; the next transaction gets a fresh connection', async () => {
    const select = (conn: Knex | Knex.Transaction) => conn('scratch').where('a', 1)
    await owner.transaction(async (trx) => select(trx))
    const before = await pid(owner)
    const other = new pg.Client({ connectionString: db.ownerUrl })
    await other.connect()
    await other.query('alter table scratch add column c int default 3')
    await other.end()
    await expect(owner.transaction(async (trx) => select(trx))).rejects.toMatchObject({ code: '0A000' })
    expect(await owner.transaction(async (trx) => select(trx))).toEqual([{ a: 1, b: 2, c: 3 }])
    expect(await pid(owner)).not.toBe(before)
  })

  it('lets older connections go when a migration is announced, before they prepare anything stale', async () => {
    const listener: Listener = createListener(db.ownerUrl)
    try {
      let heard = 0
      await listener.listen(SCHEMA_CHANGED, () => {
        heard++
        schemaChanged()
      })
      await runtime.raw('select ?::int', [1])
      const before = await pid(runtime)
      // The last migration undone and run again: migrate() announces what it applied.
      await owner.migrate.down(migrationConfig)
      expect(await migrate(db.ownerUrl, moduleQueues())).toHaveLength(1)
      await expect.poll(() => heard).toBe(1)
      expect(await pid(runtime)).not.toBe(before)
      expect(await migrate(db.ownerUrl, moduleQueues())).toEqual([])
      await runtime.raw('select 1')
      expect(heard).toBe(1)
    } finally {
      await listener.close()
    }
  })
})
