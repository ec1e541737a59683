import type { Knex } from 'knex'
import { createTenantTable, tenantReference } from '../src/db/rls.ts'

/**
 * Webhooks (issue 22 item 8): an account's HTTPS endpoints with the events they want and
 * the secret their deliveries are signed with (kept as given: it signs, so it cannot be
 * hashed; shown once); each event becomes a delivery per endpoint, written in the
 * transaction of the change it tells of, and every attempt at it is logged.
 */
export async function up(knex: Knex): Promise<void> {
  await createTenantTable(knex, 'webhook_endpoints', (t) => {
    t.uuid('account_id').notNullable()
    t.uuid('created_by').notNullable()
    t.text('url').notNullable()
    t.specificType('events', 'text[]').notNullable()
    t.text('secret').notNullable()
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.timestamp('deleted_at', { useTz: true })
    t.text('deleted_by')
  })
  await tenantReference(knex, 'webhook_endpoints', 'account_id', 'customers', { onDelete: 'cascade' })
  await tenantReference(knex, 'webhook_endpoints', 'created_by', 'customers', { onDelete: 'cascade' })

  await createTenantTable(knex, 'webhook_deliveries', (t) => {
    t.uuid('endpoint_id').notNullable()
    t.text('event').notNullable()
    t.jsonb('payload').notNullable()
    t.text('status').notNullable().defaultTo('pending')
    t.smallint('attempts').notNullable().defaultTo(0)
    t.timestamp('created_at', { useTz: true }).notNullable()
    t.timestamp('next_attempt_at', { useTz: true })
    t.timestamp('delivered_at', { useTz: true })
    t.index(['tenant_id', 'endpoint_id', 'created_at'])
  })
  await knex.raw(
    `ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_status
       CHECK (status IN ('pending', 'delivered', 'failed', 'cancelled'))`,
  )
  await tenantReference(knex, 'webhook_deliveries', 'endpoint_id', 'webhook_endpoints', {
    onDelete: 'cascade',
  })

  await createTenantTable(
    knex,
    'webhook_attempts',
    (t) => {
      t.uuid('delivery_id').notNullable()
      t.smallint('n').notNullable()
      t.timestamp('at', { useTz: true }).notNullable()
      t.integer('status_code')
      t.text('error')
      t.integer('duration_ms').notNullable()
      t.unique(['tenant_id', 'delivery_id', 'n'])
    },
    ['SELECT', 'INSERT'],
  )
  await tenantReference(knex, 'webhook_attempts', 'delivery_id', 'webhook_deliveries', {
    onDelete: 'cascade',
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('webhook_attempts')
  await knex.schema.dropTable('webhook_deliveries')
  await knex.schema.dropTable('webhook_endpoints')
}
