import type { Knex } from 'knex'
import { createTenantTable, tenantReference } from '../src/db/rls.ts'

/**
 * A generating unit's declared availability: for a period, at most `available_kw` (0 for
 * a planned or forced outage), with a reason. Declarations are withdrawn, never deleted
 * (history kept); the live ones of a unit never overlap, which the database enforces with
 * an exclusion constraint over the periods (btree_gist lets it also compare the ids).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE EXTENSION IF NOT EXISTS btree_gist')
  await createTenantTable(knex, 'unit_availability', (t) => {
    t.uuid('unit_id').notNullable()
    t.specificType('period', 'tstzrange').notNullable()
    t.decimal('available_kw', 14, 3).notNullable()
    t.text('reason').notNullable()
    t.uuid('created_by')
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.timestamp('withdrawn_at', { useTz: true })
    t.index(['tenant_id', 'unit_id'])
  })
  await tenantReference(knex, 'unit_availability', 'unit_id', 'generating_units', { onDelete: 'cascade' })
  await tenantReference(knex, 'unit_availability', 'created_by', 'customers', { onDelete: 'set null' })
  await knex.raw(`
    ALTER TABLE unit_availability
      ADD CONSTRAINT unit_availability_period CHECK (NOT isempty(period) AND NOT lower_inf(period) AND NOT upper_inf(period)),
      ADD CONSTRAINT unit_availability_power CHECK (available_kw >= 0),
      ADD CONSTRAINT unit_availability_no_overlap
        EXCLUDE USING gist (tenant_id WITH =, unit_id WITH =, period WITH &&) WHERE (withdrawn_at IS NULL)`)
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('unit_availability')
}
