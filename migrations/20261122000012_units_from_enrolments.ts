import type { Knex } from 'knex'
import { tenantReference } from '../src/db/rls.ts'

/**
 * A unit can be added while its owner's PGB enrolment is still pending (seed 000 step 2:
 * the operator sets everything up when issuing the token): it names the enrolment, and
 * gets its customer once the token is redeemed.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE generating_units ALTER COLUMN customer_id DROP NOT NULL')
  await knex.schema.alterTable('generating_units', (t) => {
    t.uuid('enrolment_id')
  })
  await tenantReference(knex, 'generating_units', 'enrolment_id', 'enrolments')
  await knex.raw(
    'ALTER TABLE generating_units ADD CONSTRAINT generating_units_owner CHECK (customer_id IS NOT NULL OR enrolment_id IS NOT NULL)',
  )
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE generating_units DROP CONSTRAINT generating_units_owner')
  await knex.schema.alterTable('generating_units', (t) => {
    t.dropColumn('enrolment_id')
  })
  await knex.raw('ALTER TABLE generating_units ALTER COLUMN customer_id SET NOT NULL')
}
