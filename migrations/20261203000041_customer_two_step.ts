import type { Knex } from 'knex'
import { createTenantTable, tenantReference } from '../src/db/rls.ts'

/**
 * Two-step sign-in for customers (issue 21 item 1: each person their own TOTP), as staff
 * have had it since 0003: the secret, when it was turned on, the last 30-second step
 * accepted (a code works once), and single-use recovery codes stored as hashes.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('customers', (t) => {
    t.text('totp_secret')
    t.timestamp('totp_enabled_at', { useTz: true })
    t.bigInteger('totp_last_step')
  })
  await createTenantTable(
    knex,
    'customer_recovery_codes',
    (t) => {
      t.uuid('customer_id').notNullable()
      t.text('code_hash').notNullable()
      t.timestamp('used_at', { useTz: true })
      t.unique(['tenant_id', 'customer_id', 'code_hash'])
    },
    ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
  )
  await tenantReference(knex, 'customer_recovery_codes', 'customer_id', 'customers', { onDelete: 'cascade' })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('customer_recovery_codes')
  await knex.schema.alterTable('customers', (t) => {
    t.dropColumns('totp_secret', 'totp_enabled_at', 'totp_last_step')
  })
}
