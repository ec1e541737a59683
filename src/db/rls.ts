import type { Knex } from 'knex'

/** The tenant of the current transaction, or NULL (no rows) when none was set. */
export const CURRENT_TENANT = `nullif(current_setting('app.tenant_id', true), '')::uuid`

/**
 * Row-level security for a tenant-owned table: enabled, forced (so the table owner is
 * held to it too), and one policy that both filters reads and checks writes.
 */
export async function enableTenantRls(knex: Knex, table: string, column = 'tenant_id'): Promise<void> {
  await knex.raw(`ALTER TABLE ?? ENABLE ROW LEVEL SECURITY`, [table])
  await knex.raw(`ALTER TABLE ?? FORCE ROW LEVEL SECURITY`, [table])
  await knex.raw(
    `CREATE POLICY tenant_isolation ON ?? USING (?? = ${CURRENT_TENANT}) WITH CHECK (?? = ${CURRENT_TENANT})`,
    [table, column, column],
  )
}
