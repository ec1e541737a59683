import type { Knex } from 'knex'
import { createTenantTable } from '../src/db/rls.ts'

/**
 * One row per create form that was acted on: its one-time token is the key, so a double
 * click or a resent form cannot create a second row (the idempotent-submit piece).
 */
export async function up(knex: Knex): Promise<void> {
  await createTenantTable(
    knex,
    'form_submissions',
    (t) => {
      t.text('form').notNullable()
      t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
      t.index(['tenant_id', 'created_at'])
    },
    ['SELECT', 'INSERT', 'DELETE'],
  )
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('form_submissions')
}
