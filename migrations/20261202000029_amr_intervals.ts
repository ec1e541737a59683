import type { Knex } from 'knex'
import { createTenantTable, enableTenantRls, tenantReference } from '../src/db/rls.ts'
import { RUNTIME_GROUP } from '../src/db/roles.ts'

/**
 * AMR interval data (issue 19 items 11–12): one row per measuring point, channel and
 * period start (UTC), the value as the head-end sent it (`numeric`, null when it sent
 * none: missing is never 0) with its status. Keyed by what identifies a period, so loading
 * the same data again finds its rows; no surrogate id on a table of millions of rows.
 *
 * An import is a batch of 80020 files an operator uploaded: kept as attachments while its
 * job loads them in one transaction, with its progress, its outcome, and — when a file is
 * refused — which file, line and why.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('amr_intervals', (t) => {
    t.uuid('tenant_id').notNullable().references('id').inTable('tenants')
    t.text('point_code').notNullable()
    t.text('channel').notNullable()
    t.timestamp('starts_at', { useTz: true }).notNullable()
    t.smallint('minutes').notNullable()
    t.specificType('value', 'numeric')
    t.text('status')
    t.primary(['tenant_id', 'point_code', 'channel', 'starts_at'])
  })
  await enableTenantRls(knex, 'amr_intervals')
  await knex.raw(`GRANT SELECT, INSERT, UPDATE ON amr_intervals TO ${RUNTIME_GROUP}`)

  await createTenantTable(knex, 'amr_imports', (t) => {
    t.uuid('created_by')
    t.text('status').notNullable().defaultTo('queued')
    t.bigInteger('total_bytes').notNullable()
    t.bigInteger('read_bytes').notNullable().defaultTo(0)
    t.integer('files').notNullable()
    t.bigInteger('rows_read')
    t.bigInteger('rows_changed')
    t.text('failed_file')
    t.integer('failed_line')
    t.text('failed_reason')
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.timestamp('finished_at', { useTz: true })
    t.index(['tenant_id', 'created_at'])
  })
  await tenantReference(knex, 'amr_imports', 'created_by', 'operators', { onDelete: 'set null' })
  await knex.raw(`
    ALTER TABLE amr_imports
      ADD CONSTRAINT amr_imports_status CHECK (status IN ('queued', 'running', 'done', 'failed'))`)
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('amr_imports')
  await knex.schema.dropTable('amr_intervals')
}
