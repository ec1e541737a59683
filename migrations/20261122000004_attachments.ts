import type { Knex } from 'knex'
import { createTenantTable, tenantReference } from '../src/db/rls.ts'

/**
 * Which stored file belongs to which row of a module (an application's documents, a
 * chat message's file): the owner is named by type and id, so every module can use the
 * one table and the one download helper.
 */
export async function up(knex: Knex): Promise<void> {
  await createTenantTable(
    knex,
    'attachments',
    (t) => {
      t.uuid('file_id').notNullable()
      t.text('owner_type').notNullable()
      t.uuid('owner_id').notNullable()
      t.text('field').notNullable()
      t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
      t.index(['tenant_id', 'owner_type', 'owner_id'])
    },
    ['SELECT', 'INSERT', 'DELETE'],
  )
  await tenantReference(knex, 'attachments', 'file_id', 'files', { onDelete: 'cascade' })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('attachments')
}
