import type { Knex } from 'knex'
import { RUNTIME_GROUP } from '../src/db/roles.ts'

/** A webhook's delivery log is kept for 90 days: the app's daily sweep removes older deliveries. */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`GRANT DELETE ON webhook_deliveries TO ${RUNTIME_GROUP}`)
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`REVOKE DELETE ON webhook_deliveries FROM ${RUNTIME_GROUP}`)
}
