import type { Knex } from 'knex'
import { enableTenantRls } from '../src/db/rls.ts'
import { RUNTIME_GROUP } from '../src/db/roles.ts'

/**
 * One row per create form that was acted on: its one-time token is the key, so a double
 * click or a resent form cannot create a second row (the idempotent-submit piece).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('form_submissions', (t) => {
    t.uuid('tenant_id').notNullable().references('id').inTable('tenants')
    t.uuid('id').notNullable()
    t.text('form').notNullable()
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.primary(['tenant_id', 'id'])
    t.index(['tenant_id', 'created_at'])
  })
  await enableTenantRls(knex, 'form_submissions')
  await knex.raw(`GRANT SELECT, INSERT, DELETE ON form_submissions TO ${RUNTIME_GROUP}`)
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('form_submissions')
}
