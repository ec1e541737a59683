import type { Knex } from 'knex'
import { createTenantTable, tenantReference } from '../src/db/rls.ts'

/**
 * Whom a person last chose to act for (issue 21 item 3), so the next sign-in starts there:
 * one row per person, `account_id` null for their own account.
 */
export async function up(knex: Knex): Promise<void> {
  await createTenantTable(knex, 'acting_choices', (t) => {
    t.uuid('person_id').notNullable()
    t.uuid('account_id')
    t.timestamp('chosen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.unique(['tenant_id', 'person_id'])
  })
  await tenantReference(knex, 'acting_choices', 'person_id', 'customers', { onDelete: 'cascade' })
  await tenantReference(knex, 'acting_choices', 'account_id', 'customers', { onDelete: 'set null' })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('acting_choices')
}
