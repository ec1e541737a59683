import type { Knex } from 'knex'
import { createTenantTable, tenantReference } from '../src/db/rls.ts'

/**
 * Market-member registration (seed 003, issue 20 items 1–7). One registration per customer
 * account: its member type, then the member information in four parts, saved part by
 * part (`saved_parts`), with attachments (the platform's `attachments`, owner
 * `market-member`) and units. Nothing reaches the trading centre before the applicant
 * completes it (draft → submitted); a return names the parts to correct
 * (`return_parts`), and only those stay editable. Status changes go through the workflow
 * engine, so every decision is in `status_history`.
 *
 * A dispatch short name is exact and unique in the tenant (the dispatching centre's
 * name for the member). Capacities and consumption are `numeric` and keep the decimals
 * they were entered with.
 */
export async function up(knex: Knex): Promise<void> {
  await createTenantTable(knex, 'market_members', (t) => {
    t.uuid('customer_id').notNullable()
    t.text('member_type').notNullable()
    t.text('status').notNullable().defaultTo('draft')
    t.specificType('saved_parts', 'text[]').notNullable().defaultTo('{}')
    t.specificType('return_parts', 'text[]').notNullable().defaultTo('{}')
    t.text('company_name')
    t.text('dispatch_name')
    t.text('legal_representative_id')
    t.boolean('licence_exempt')
    t.text('licence_state')
    t.text('licence_number')
    t.date('licence_expected_on')
    t.text('uscc')
    t.text('contact_name')
    t.text('contact_phone')
    t.text('contact_email')
    t.text('voltage_level')
    t.specificType('annual_consumption_mwh', 'numeric')
    t.specificType('installed_capacity_mw', 'numeric')
    t.specificType('registered_capital_cny', 'numeric')
    t.timestamp('submitted_at', { useTz: true })
    t.timestamp('decided_at', { useTz: true })
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.unique(['tenant_id', 'customer_id'])
    t.index(['tenant_id', 'status', 'submitted_at'])
  })
  await tenantReference(knex, 'market_members', 'customer_id', 'customers', { onDelete: 'cascade' })
  await knex.raw(`
    CREATE UNIQUE INDEX market_members_dispatch_name_uq ON market_members (tenant_id, dispatch_name)
      WHERE dispatch_name IS NOT NULL`)
  await knex.raw(`
    ALTER TABLE market_members
      ADD CONSTRAINT market_members_type CHECK (member_type IN ('power_user', 'generator', 'supplier')),
      ADD CONSTRAINT market_members_status
        CHECK (status IN ('draft', 'submitted', 'returned', 'approved', 'rejected')),
      ADD CONSTRAINT market_members_licence
        CHECK (licence_state IS NULL OR licence_state IN ('held', 'in_progress')),
      ADD CONSTRAINT market_members_amounts CHECK (
        coalesce(annual_consumption_mwh, 0) >= 0 AND coalesce(installed_capacity_mw, 0) >= 0
        AND coalesce(registered_capital_cny, 0) >= 0)`)

  // A consumption unit (power users: one metering point of the utility, merged when the
  // same point is chosen twice) or a generating unit (generation companies).
  await createTenantTable(
    knex,
    'market_units',
    (t) => {
      t.uuid('member_id').notNullable()
      t.text('kind').notNullable()
      t.text('name').notNullable()
      t.text('metering_point')
      t.text('utility_account')
      t.text('address')
      t.text('voltage_level')
      t.text('unit_type')
      t.specificType('capacity_mw', 'numeric')
      t.text('dispatch_name')
      t.date('connected_on')
      t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    },
    ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
  )
  await tenantReference(knex, 'market_units', 'member_id', 'market_members', { onDelete: 'cascade' })
  await knex.raw(`
    CREATE UNIQUE INDEX market_units_metering_point_uq ON market_units (tenant_id, member_id, metering_point)
      WHERE metering_point IS NOT NULL`)
  await knex.raw(`
    ALTER TABLE market_units
      ADD CONSTRAINT market_units_kind CHECK (kind IN ('consumption', 'generating')),
      ADD CONSTRAINT market_units_capacity CHECK (capacity_mw IS NULL OR capacity_mw > 0)`)
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('market_units')
  await knex.schema.dropTable('market_members')
}
