import type { Knex } from 'knex'
import { createTenantTable, tenantReference } from '../src/db/rls.ts'

/**
 * Staff's CSV of meters, read and checked into a preview (issue 19 item 1): the rows that
 * will be added and each problem with its line; applied once, all rows or none.
 */
export async function up(knex: Knex): Promise<void> {
  await createTenantTable(knex, 'meter_imports', (t) => {
    t.uuid('created_by')
    t.text('file_name').notNullable()
    t.jsonb('rows').notNullable()
    t.jsonb('problems').notNullable()
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.timestamp('applied_at', { useTz: true })
    t.index(['tenant_id', 'created_at'])
  })
  await tenantReference(knex, 'meter_imports', 'created_by', 'operators', { onDelete: 'set null' })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('meter_imports')
}
