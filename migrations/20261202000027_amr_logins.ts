import type { Knex } from 'knex'
import { createTenantTable, tenantReference } from '../src/db/rls.ts'

/**
 * The AMR user id a customer asked the portal to remember (issue 19 item 8): the id only,
 * never the password; forgotten when they untick the box, gone with the customer.
 */
export async function up(knex: Knex): Promise<void> {
  await createTenantTable(
    knex,
    'amr_logins',
    (t) => {
      t.uuid('customer_id').notNullable()
      t.text('login').notNullable()
      t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
      t.unique(['tenant_id', 'customer_id'])
    },
    ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
  )
  await tenantReference(knex, 'amr_logins', 'customer_id', 'customers', { onDelete: 'cascade' })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('amr_logins')
}
