import type { Knex } from 'knex'
import { createTenantTable, tenantReference } from '../src/db/rls.ts'

/**
 * A customer's request to add a meter (issue 19 item 1): what they can read off it — its
 * number, where it is, the tariff they are billed on — with a photo (an attachment), for
 * staff to confirm (creating the meter with its register) or decline with a reason.
 */
export async function up(knex: Knex): Promise<void> {
  await createTenantTable(knex, 'meter_requests', (t) => {
    t.uuid('customer_id').notNullable()
    t.text('number').notNullable()
    t.text('object').notNullable()
    t.text('tariff').notNullable()
    t.text('status').notNullable().defaultTo('pending')
    t.uuid('meter_id')
    t.uuid('decided_by')
    t.timestamp('decided_at', { useTz: true })
    t.text('decision_note')
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.index(['tenant_id', 'status', 'created_at'])
  })
  await tenantReference(knex, 'meter_requests', 'customer_id', 'customers', { onDelete: 'cascade' })
  await tenantReference(knex, 'meter_requests', 'meter_id', 'meters', { onDelete: 'set null' })
  await tenantReference(knex, 'meter_requests', 'decided_by', 'operators', { onDelete: 'set null' })
  await knex.raw(`
    ALTER TABLE meter_requests
      ADD CONSTRAINT meter_requests_status CHECK (status IN ('pending', 'confirmed', 'declined'))`)
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('meter_requests')
}
