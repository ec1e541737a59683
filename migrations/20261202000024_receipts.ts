import type { Knex } from 'knex'
import { RUNTIME_GROUP } from '../src/db/roles.ts'
import { createTenantTable, enableTenantRls, tenantReference } from '../src/db/rls.ts'

/**
 * Receipts: each time an application is submitted, a PDF of what was submitted (number,
 * time, content, files with their SHA-256) is kept as it was emailed — never rewritten —
 * and mails may carry attachments (the receipt), stored with the outbox row so a retry
 * sends the same bytes.
 */
export async function up(knex: Knex): Promise<void> {
  await createTenantTable(
    knex,
    'application_receipts',
    (t) => {
      t.uuid('application_id').notNullable()
      t.timestamp('submitted_at', { useTz: true }).notNullable()
      t.text('locale').notNullable()
      t.specificType('pdf', 'bytea').notNullable()
      t.text('sha256').notNullable()
      t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
      t.index(['tenant_id', 'application_id'])
    },
    ['SELECT', 'INSERT'],
  )
  await tenantReference(knex, 'application_receipts', 'application_id', 'applications', {
    onDelete: 'cascade',
  })

  await knex.schema.createTable('outbox_attachments', (t) => {
    t.uuid('tenant_id').notNullable().references('id').inTable('tenants')
    t.uuid('id').notNullable().defaultTo(knex.raw('gen_random_uuid()'))
    t.uuid('outbox_id').notNullable()
    t.text('filename').notNullable()
    t.text('content_type').notNullable()
    t.specificType('content', 'bytea').notNullable()
    t.primary(['tenant_id', 'id'])
    t.index(['tenant_id', 'outbox_id'])
  })
  await enableTenantRls(knex, 'outbox_attachments')
  await tenantReference(knex, 'outbox_attachments', 'outbox_id', 'outbox', { onDelete: 'cascade' })
  await knex.raw(`GRANT SELECT, INSERT ON outbox_attachments TO ${RUNTIME_GROUP}`)
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('outbox_attachments')
  await knex.schema.dropTable('application_receipts')
}
