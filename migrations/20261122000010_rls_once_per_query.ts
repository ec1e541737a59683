import type { Knex } from 'knex'
import { CURRENT_TENANT } from '../src/db/rls.ts'

const BARE = `nullif(current_setting('app.tenant_id', true), '')::uuid`

async function rewrite(knex: Knex, tenant: string): Promise<void> {
  const { rows } = await knex.raw<{ rows: { tablename: string }[] }>(
    `SELECT tablename FROM pg_policies WHERE schemaname = 'public' AND policyname = 'tenant_isolation'`,
  )
  for (const { tablename } of rows)
    await knex.raw(
      `ALTER POLICY tenant_isolation ON ?? USING (tenant_id = ${tenant}) WITH CHECK (tenant_id = ${tenant})`,
      [tablename],
    )
  await knex.raw(`ALTER POLICY tenants_insert ON tenants WITH CHECK (id = ${tenant})`)
  await knex.raw(`ALTER POLICY tenants_update ON tenants USING (id = ${tenant}) WITH CHECK (id = ${tenant})`)
}

/**
 * Every tenant policy reads the current tenant once per query (see CURRENT_TENANT), not
 * once per row; what each policy allows is unchanged.
 */
export async function up(knex: Knex): Promise<void> {
  await rewrite(knex, CURRENT_TENANT)
}

export async function down(knex: Knex): Promise<void> {
  await rewrite(knex, BARE)
}
