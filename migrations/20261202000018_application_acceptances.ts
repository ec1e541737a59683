import type { Knex } from 'knex'
import { createTenantTable, tenantReference } from '../src/db/rls.ts'

/**
 * A customer's online acceptance of a document staff sent (the TP contract): who accepted
 * it, under which name, when, from where, and exactly which bytes (their SHA-256). Kept
 * for good: never changed, never deleted with the document's page.
 */
export async function up(knex: Knex): Promise<void> {
  await createTenantTable(
    knex,
    'application_acceptances',
    (t) => {
      t.uuid('application_id').notNullable()
      t.uuid('attachment_id').notNullable()
      t.text('file_name').notNullable()
      t.text('sha256').notNullable()
      t.uuid('customer_id')
      t.text('signer_name').notNullable()
      t.text('ip')
      t.timestamp('accepted_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
      t.unique(['tenant_id', 'application_id', 'attachment_id'])
    },
    ['SELECT', 'INSERT'],
  )
  await tenantReference(knex, 'application_acceptances', 'application_id', 'applications', {
    onDelete: 'cascade',
  })
  await tenantReference(knex, 'application_acceptances', 'customer_id', 'customers', { onDelete: 'set null' })
  // The accepted file stays as long as its acceptance does.
  await tenantReference(knex, 'application_acceptances', 'attachment_id', 'attachments')
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('application_acceptances')
}
