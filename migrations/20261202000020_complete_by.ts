import type { Knex } from 'knex'

/**
 * A request to complete: an application returned to its customer may carry the day by
 * which they should send it again, and when they were reminded of it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('applications', (t) => {
    t.date('complete_by')
    t.timestamp('complete_reminded_at', { useTz: true })
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('applications', (t) => {
    t.dropColumn('complete_reminded_at')
    t.dropColumn('complete_by')
  })
}
