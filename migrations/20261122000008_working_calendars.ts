import type { Knex } from 'knex'
import { createTenantTable, tenantReference } from '../src/db/rls.ts'

/**
 * A tenant's own working-day list for a year (platform/calendar): where it exists it
 * replaces the official list or the fixed-holiday guess for that year.
 */
export async function up(knex: Knex): Promise<void> {
  await createTenantTable(
    knex,
    'working_calendar_years',
    (t) => {
      t.integer('year').notNullable()
      t.specificType('days_off', 'text[]').notNullable().defaultTo('{}')
      t.specificType('working_days', 'text[]').notNullable().defaultTo('{}')
      t.specificType('short_days', 'text[]').notNullable().defaultTo('{}')
      t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
      t.uuid('updated_by')
      t.unique(['tenant_id', 'year'])
    },
    ['SELECT', 'INSERT', 'UPDATE'],
  )
  await tenantReference(knex, 'working_calendar_years', 'updated_by', 'operators', { onDelete: 'set null' })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('working_calendar_years')
}
