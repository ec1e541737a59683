import type { Knex } from 'knex'
import { createTenantTable, tenantReference } from '../src/db/rls.ts'

/**
 * A retail supplier's binding of a power user (seed 003, issue 20 item 8): who supplies
 * whom over which days (`period`, a daterange of whole days), under which contract. The
 * supplier submits it, the user confirms (or declines), the trading centre approves (or
 * rejects); an approved binding can be ended early, which shortens its period and keeps
 * the row. A power user has at most one binding per day: every binding past its draft
 * that was not declined or rejected holds its days, and the database refuses an overlap
 * — also of two suppliers submitting at the same moment.
 */
export async function up(knex: Knex): Promise<void> {
  await createTenantTable(knex, 'retail_bindings', (t) => {
    t.uuid('supplier_id').notNullable()
    t.uuid('user_id').notNullable()
    t.specificType('period', 'daterange').notNullable()
    t.text('contract_ref').notNullable()
    t.text('status').notNullable().defaultTo('draft')
    t.date('ended_on')
    t.text('ended_by')
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.timestamp('submitted_at', { useTz: true })
    t.timestamp('decided_at', { useTz: true })
    t.index(['tenant_id', 'status', 'submitted_at'])
  })
  await tenantReference(knex, 'retail_bindings', 'supplier_id', 'market_members', { onDelete: 'cascade' })
  await tenantReference(knex, 'retail_bindings', 'user_id', 'market_members', { onDelete: 'cascade' })
  await knex.raw(`
    ALTER TABLE retail_bindings
      ADD CONSTRAINT retail_bindings_status
        CHECK (status IN ('draft', 'awaiting_user', 'awaiting_centre', 'approved', 'declined', 'rejected', 'ended')),
      ADD CONSTRAINT retail_bindings_period CHECK (NOT isempty(period) AND NOT lower_inf(period) AND NOT upper_inf(period)),
      ADD CONSTRAINT retail_bindings_parties CHECK (supplier_id <> user_id),
      ADD CONSTRAINT retail_bindings_one_supplier
        EXCLUDE USING gist (tenant_id WITH =, user_id WITH =, period WITH &&)
        WHERE (status IN ('awaiting_user', 'awaiting_centre', 'approved', 'ended'))`)
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('retail_bindings')
}
