import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Knex } from 'knex'
import { createKnex } from '../../src/db/knex.ts'
import { runtimeRoleFacts, unsafeRuntimeRoleReason } from '../../src/db/roles.ts'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts'
import { createTenant } from '../helpers/factories.ts'

describe('row-level security', () => {
  let db: TestDatabase
  let runtime: Knex
  let a: { id: string }
  let b: { id: string }

  beforeAll(async () => {
    db = await createTestDatabase()
    runtime = createKnex(db.runtimeUrl, { poolMax: 1 })
    a = await createTenant(db.owner)
    b = await createTenant(db.owner)
    for (const tenant of [a, b]) {
      await withTenant(db.owner, tenant.id, (trx) =>
        trx('audit_log').insert({ tenant_id: tenant.id, actor_type: 'system', action: `seed-${tenant.id}` }),
      )
    }
  })
  afterAll(async () => {
    await runtime.destroy()
    await db.drop()
  })

  it('every table with tenant_id has RLS enabled, forced, and a policy with WITH CHECK', async () => {
    const { rows } = await db.owner.raw<{
      rows: { table: string; enabled: boolean; forced: boolean; checked: boolean }[]
    }>(`
      SELECT c.relname AS table, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
        EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polwithcheck IS NOT NULL) AS checked
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
        AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)`)
    expect(rows.length).toBeGreaterThanOrEqual(5)
    expect(rows.filter((r) => !(r.enabled && r.forced && r.checked))).toEqual([])
  })

  it('tenant-scoped unique keys include tenant_id', async () => {
    const { rows } = await db.owner.raw<{ rows: { index: string }[] }>(`
      SELECT i.indexrelid::regclass::text AS index
      FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND i.indisunique
        AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id')
        AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND a.attnum = ANY (i.indkey))`)
    // A host names one tenant across the platform, so its uniqueness is global by design.
    expect(rows.map((r) => r.index)).toEqual(['tenant_domains_host_unique'])
  })

  it('every reference between tenant tables is a composite foreign key through tenant_id', async () => {
    const { rows } = await db.owner.raw<{ rows: { ref: string }[] }>(`
      SELECT c.relname || '.' || a.attname AS ref
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'r' AND NOT a.attisdropped
        AND a.atttypid = 'uuid'::regtype AND a.attname NOT IN ('id', 'tenant_id')
        AND EXISTS (SELECT 1 FROM pg_attribute t WHERE t.attrelid = c.oid AND t.attname = 'tenant_id')
        AND NOT EXISTS (
          SELECT 1 FROM pg_constraint k
          WHERE k.conrelid = c.oid AND k.contype = 'f' AND a.attnum = ANY (k.conkey)
            AND (SELECT attnum FROM pg_attribute WHERE attrelid = c.oid AND attname = 'tenant_id') = ANY (k.conkey))
      ORDER BY 1`)
    // The audit log names an actor of either kind (customer or operator) and keeps naming
    // it after the row is gone; an attachment names an owner row of any module, and so
    // does a status change (its subject, and its actor like the audit log's). No foreign
    // key can say any of these. A chat message's author is a customer or an operator; a
    // standard form's family id groups its versions and points at no row, nor does a
    // receipt's submission (the id its job was given, so a job run twice makes one receipt).
    expect(rows.map((r) => r.ref)).toEqual([
      'application_messages.author_id',
      'application_receipts.submission',
      'attachments.owner_id',
      'audit_log.actor_id',
      'standard_forms.family_id',
      'status_history.actor_id',
      'status_history.subject_id',
    ])
  })

  it('createTenantTable makes a table with the composite key, forced RLS and the runtime grants', async () => {
    const { createTenantTable } = await import('../../src/db/rls.ts')
    await createTenantTable(db.owner, 'probe_things', (t) => t.text('name'), ['SELECT', 'INSERT'])
    const { rows } = await db.owner.raw<{ rows: { enabled: boolean; forced: boolean; key: string }[] }>(`
      SELECT c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
        (SELECT pg_get_constraintdef(k.oid) FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p') AS key
      FROM pg_class c WHERE c.relname = 'probe_things'`)
    expect(rows[0]).toEqual({ enabled: true, forced: true, key: 'PRIMARY KEY (tenant_id, id)' })
    await withTenant(runtime, a.id, (trx) => trx('probe_things').insert({ tenant_id: a.id, name: 'x' }))
    expect(await withTenant(runtime, b.id, (trx) => trx('probe_things').select())).toEqual([])
    await expect(
      withTenant(runtime, a.id, (trx) => trx('probe_things').insert({ tenant_id: b.id, name: 'y' })),
    ).rejects.toThrow(/row-level security/)
    await expect(withTenant(runtime, a.id, (trx) => trx('probe_things').delete())).rejects.toThrow(
      /permission denied/,
    )
  })

  it('the runtime role is not superuser, cannot bypass RLS and owns no table', async () => {
    const facts = await runtimeRoleFacts(runtime)
    expect(facts).toMatchObject({ rolsuper: false, rolbypassrls: false, ownedTables: 0 })
    expect(unsafeRuntimeRoleReason(facts)).toBeUndefined()
    const owner = await runtimeRoleFacts(db.owner)
    expect(unsafeRuntimeRoleReason(owner)).toMatch(/owns \d+ tables/)
  })

  it('a query without tenant context sees no rows, and cannot write any', async () => {
    expect(await runtime('audit_log').count<{ count: string }[]>('* as count')).toEqual([{ count: '0' }])
    await expect(
      runtime('audit_log').insert({ tenant_id: a.id, actor_type: 'system', action: 'sneaky' }),
    ).rejects.toThrow(/row-level security/)
  })

  it('with one pooled connection, tenant A then tenant B sees only B', async () => {
    const seenByA = await withTenant(runtime, a.id, (trx) => trx('audit_log').pluck('action'))
    const seenByB = await withTenant(runtime, b.id, (trx) => trx('audit_log').pluck('action'))
    expect(seenByA).toEqual([`seed-${a.id}`])
    expect(seenByB).toEqual([`seed-${b.id}`])
    // After the transaction the setting is gone from the (same, single) connection.
    expect(await runtime('audit_log').pluck('action')).toEqual([])
  })

  it('a tenant cannot write rows for another tenant, nor update another tenant’s settings', async () => {
    await expect(
      withTenant(runtime, a.id, (trx) =>
        trx('audit_log').insert({ tenant_id: b.id, actor_type: 'system', action: 'x' }),
      ),
    ).rejects.toThrow(/row-level security/)
    const updated = await withTenant(runtime, a.id, (trx) =>
      trx('tenants').where({ id: b.id }).update({ updated_at: trx.fn.now() }),
    )
    expect(updated).toBe(0)
  })

  it('the audit log is append-only for the runtime role', async () => {
    await expect(
      withTenant(runtime, a.id, (trx) => trx('audit_log').update({ action: 'rewritten' })),
    ).rejects.toThrow(/permission denied/)
    await expect(withTenant(runtime, a.id, (trx) => trx('audit_log').del())).rejects.toThrow(
      /permission denied/,
    )
  })

  it('an unknown tenant id in context sees nothing', async () => {
    expect(await withTenant(runtime, randomUUID(), (trx) => trx('audit_log').pluck('action'))).toEqual([])
  })
})
