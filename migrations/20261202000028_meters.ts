import type { Knex } from 'knex'
import { createTenantTable, tenantReference } from '../src/db/rls.ts'
import { RUNTIME_GROUP } from '../src/db/roles.ts'

/**
 * Meters and their readings (issue 19 items 1–7). A meter keeps the tariff and zones it
 * was installed with (a tenant changing its tariff list later never reinterprets history)
 * and its register (integer and decimal digits, multiplier). A meter exchange closes one
 * meter and opens the next, which names the one it replaces.
 *
 * A reading is one submission for one day with a value per zone; it is never updated in
 * its values or deleted: a second reading of the same day supersedes the first (status),
 * a review decides it (status, who, when, why). At most one live reading per meter and
 * day, which the database enforces. Values are `numeric` without a scale so each keeps
 * the decimals it was entered with.
 */
export async function up(knex: Knex): Promise<void> {
  await createTenantTable(knex, 'meters', (t) => {
    t.uuid('customer_id').notNullable()
    t.text('number').notNullable()
    t.text('tariff').notNullable()
    t.specificType('zones', 'text[]').notNullable()
    t.smallint('digits').notNullable()
    t.smallint('decimals').notNullable()
    t.decimal('multiplier', 12, 4).notNullable().defaultTo(1)
    t.text('object').notNullable()
    t.date('installed_on').notNullable()
    t.date('removed_on')
    /** The measuring point's code in the head-end's 80020 files: set for a meter on AMR. */
    t.text('amr_code')
    t.uuid('replaces_id')
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.unique(['tenant_id', 'number'])
  })
  await tenantReference(knex, 'meters', 'customer_id', 'customers', { onDelete: 'cascade' })
  await tenantReference(knex, 'meters', 'replaces_id', 'meters', { onDelete: 'set null' })
  await knex.raw(`
    ALTER TABLE meters
      ADD CONSTRAINT meters_zones CHECK (cardinality(zones) BETWEEN 1 AND 3),
      ADD CONSTRAINT meters_digits CHECK (digits BETWEEN 1 AND 12 AND decimals BETWEEN 0 AND 4),
      ADD CONSTRAINT meters_multiplier CHECK (multiplier > 0),
      ADD CONSTRAINT meters_period CHECK (removed_on IS NULL OR removed_on >= installed_on)`)

  await createTenantTable(knex, 'meter_readings', (t) => {
    t.uuid('meter_id').notNullable()
    t.date('read_on').notNullable()
    t.text('source').notNullable()
    t.text('status').notNullable()
    t.boolean('rollover').notNullable().defaultTo(false)
    t.boolean('jump_confirmed').notNullable().defaultTo(false)
    /** Why a customer insists on a value the rules refuse (it then waits for review). */
    t.text('review_reason')
    t.text('review_note')
    t.uuid('customer_id')
    t.uuid('operator_id')
    /** Required when staff enter or correct a reading on a customer's behalf. */
    t.text('operator_reason')
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.uuid('decided_by')
    t.timestamp('decided_at', { useTz: true })
    t.text('decision_note')
    t.index(['tenant_id', 'meter_id', 'read_on'])
  })
  await tenantReference(knex, 'meter_readings', 'meter_id', 'meters', { onDelete: 'cascade' })
  await tenantReference(knex, 'meter_readings', 'customer_id', 'customers', { onDelete: 'set null' })
  await tenantReference(knex, 'meter_readings', 'operator_id', 'operators', { onDelete: 'set null' })
  await tenantReference(knex, 'meter_readings', 'decided_by', 'operators', { onDelete: 'set null' })
  await knex.raw(`
    ALTER TABLE meter_readings
      ADD CONSTRAINT meter_readings_source CHECK (source IN ('customer', 'operator', 'amr', 'estimated')),
      ADD CONSTRAINT meter_readings_status CHECK (status IN ('accepted', 'review', 'rejected', 'superseded')),
      ADD CONSTRAINT meter_readings_reason CHECK (review_reason IS NULL OR review_reason IN ('replaced', 'previousWrong', 'other'))`)
  await knex.raw(`
    CREATE UNIQUE INDEX meter_readings_live_day ON meter_readings (tenant_id, meter_id, read_on)
      WHERE status IN ('accepted', 'review')`)
  await knex.raw(`
    CREATE INDEX meter_readings_awaiting ON meter_readings (tenant_id, created_at)
      WHERE status = 'review'`)

  await createTenantTable(knex, 'meter_reading_values', (t) => {
    t.uuid('reading_id').notNullable()
    t.text('zone').notNullable()
    t.specificType('value', 'numeric').notNullable()
    t.unique(['tenant_id', 'reading_id', 'zone'])
  })
  await tenantReference(knex, 'meter_reading_values', 'reading_id', 'meter_readings', { onDelete: 'cascade' })
  await knex.raw(
    `ALTER TABLE meter_reading_values ADD CONSTRAINT meter_reading_values_value CHECK (value >= 0)`,
  )

  // Each reading's value per zone with the energy it stands for: the advance since the
  // meter's accepted reading before that day (the way round when the register wrapped),
  // times the multiplier. One definition for the history, the chart and the exports; the
  // caller's row-level security applies (security_invoker).
  await knex.raw(`
    CREATE VIEW meter_reading_use WITH (security_invoker = true) AS
    SELECT r.tenant_id, r.id AS reading_id, r.meter_id, r.read_on, r.status, r.source, r.created_at,
           v.zone, v.value,
           (v.value - p.value + CASE WHEN r.rollover THEN trim_scale(10::numeric ^ m.digits) ELSE 0 END)
             * trim_scale(m.multiplier) AS consumption
    FROM meter_readings r
    JOIN meters m ON m.tenant_id = r.tenant_id AND m.id = r.meter_id
    JOIN meter_reading_values v ON v.tenant_id = r.tenant_id AND v.reading_id = r.id
    LEFT JOIN LATERAL (
      SELECT pv.value
      FROM meter_readings pr
      JOIN meter_reading_values pv ON pv.tenant_id = pr.tenant_id AND pv.reading_id = pr.id AND pv.zone = v.zone
      WHERE pr.tenant_id = r.tenant_id AND pr.meter_id = r.meter_id
        AND pr.status = 'accepted' AND pr.read_on < r.read_on
      ORDER BY pr.read_on DESC
      LIMIT 1
    ) p ON true`)
  await knex.raw(`GRANT SELECT ON meter_reading_use TO ${RUNTIME_GROUP}`)
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP VIEW meter_reading_use')
  await knex.schema.dropTable('meter_reading_values')
  await knex.schema.dropTable('meter_readings')
  await knex.schema.dropTable('meters')
}
