import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { UNINDEXED_FOREIGN_KEYS_SQL } from '../../src/db/foreign-keys.ts'
import { MODULES } from '../../src/registry.ts'
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts'

const SRC = path.resolve(import.meta.dirname, '../../src/modules')

/** The platform's own tables (db/, platform/, http/): no module owns them. */
const PLATFORM = [
  'knex_migrations',
  'knex_migrations_lock',
  'tenants',
  'tenant_domains',
  'session',
  'rate_limits',
  'outbox',
  'outbox_attachments',
  'audit_log',
  'files',
  'attachments',
  'live_events',
  'live_streams',
  'form_submissions',
  'status_history',
]

/** A statement naming `table`: knex's `trx('t')` / `join('t as x')`, or SQL's FROM/JOIN/INTO/UPDATE. */
const naming = (table: string) =>
  new RegExp(String.raw`\(\s*'${table}(?:'| as )|\b(?:FROM|JOIN|INTO|UPDATE)\s+${table}\b`)

function sources(dir: string): { file: string; text: string }[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => ({ file: path.join(dir, f), text: readFileSync(path.join(dir, f), 'utf8') }))
}

describe('module boundaries in the database', () => {
  let db: TestDatabase
  beforeAll(async () => {
    db = await createTestDatabase()
  })
  afterAll(() => db.drop())

  it('every table and view belongs to one module or to the platform', async () => {
    const { rows } = await db.owner.raw<{ rows: { name: string }[] }>(`
      SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v') ORDER BY 1`)
    const owners = new Map<string, string[]>()
    for (const name of PLATFORM) owners.set(name, ['platform'])
    for (const m of MODULES)
      for (const name of [...(m.owns?.tables ?? []), ...(m.owns?.views ?? [])])
        owners.set(name, [...(owners.get(name) ?? []), m.name])
    expect(rows.map((r) => [r.name, owners.get(r.name)]).filter(([, o]) => o?.length !== 1)).toEqual([])
    expect([...owners.keys()].sort()).toEqual(rows.map((r) => r.name).sort())
  })

  it("no module names another module's tables; its views are there to be read", () => {
    const found: string[] = []
    for (const m of MODULES) {
      const dir = path.join(SRC, m.name)
      const foreign = MODULES.filter((o) => o !== m).flatMap((o) => o.owns?.tables ?? [])
      for (const { file, text } of sources(dir))
        for (const table of foreign)
          if (naming(table).test(text)) found.push(`${path.relative(SRC, file)}: ${table}`)
    }
    expect(found).toEqual([])
  })

  it('indexes every foreign key (joins on it and its parent’s deletes never scan the table)', async () => {
    const { rows } = await db.owner.raw<{ rows: unknown[] }>(UNINDEXED_FOREIGN_KEYS_SQL)
    expect(rows).toEqual([])
  })

  it('the check sees a join on another module’s table', () => {
    expect(naming('customers').test(".leftJoin('customers as c', function () {")).toBe(true)
    expect(naming('customers').test("trx('customers').where({ id })")).toBe(true)
    expect(naming('operators').test('SELECT email FROM operators WHERE id = ?')).toBe(true)
    expect(naming('customers').test(".leftJoin('customer_directory as c', function () {")).toBe(false)
    expect(naming('applications').test("service: 'applications',")).toBe(false)
  })
})
