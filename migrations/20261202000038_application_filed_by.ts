import type { Knex } from 'knex'
import { tenantReference } from '../src/db/rls.ts'

/**
 * Who filed an application when it was not the account's own login (issue 21 item 6): a
 * colleague, or a representative acting under a grant. The account stays its owner
 * (`customer_id`); this is the person, kept beside it for the customer's and staff's pages.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('applications', (t) => {
    t.uuid('filed_by')
  })
  await tenantReference(knex, 'applications', 'filed_by', 'customers', { onDelete: 'set null' })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('applications', (t) => {
    t.dropColumn('filed_by')
  })
}
