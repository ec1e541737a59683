import type { Knex } from 'knex'

/** A storage unit plans its charging as values below zero, down to its charging capacity. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('generating_units', (t) => {
    t.decimal('charging_kw', null)
  })
  await knex.raw(`
    ALTER TABLE generating_units ADD CONSTRAINT generating_units_charging_storage
    CHECK (charging_kw IS NULL OR (technology = 'storage' AND charging_kw > 0))`)
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('generating_units', (t) => {
    t.dropChecks(['generating_units_charging_storage'])
    t.dropColumn('charging_kw')
  })
}
