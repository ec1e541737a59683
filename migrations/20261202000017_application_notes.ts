import type { Knex } from 'knex'
import { createTenantTable, tenantReference } from '../src/db/rls.ts'

/** Staff's internal notes on an application: kept, never edited, never shown to the customer. */
export async function up(knex: Knex): Promise<void> {
  await createTenantTable(
    knex,
    'application_notes',
    (t) => {
      t.uuid('application_id').notNullable()
      t.uuid('author_id')
      t.text('body').notNullable()
      t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
      t.index(['tenant_id', 'application_id', 'created_at'])
    },
    ['SELECT', 'INSERT'],
  )
  await tenantReference(knex, 'application_notes', 'application_id', 'applications', { onDelete: 'cascade' })
  await tenantReference(knex, 'application_notes', 'author_id', 'operators', { onDelete: 'set null' })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('application_notes')
}
