import type { Knex } from 'knex'

/**
 * Whether a grant copies the account's emails about its service to the representative
 * (issue 21 item 7): the grantor chooses when offering it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('representation_grants', (t) => {
    t.boolean('notify').notNullable().defaultTo(false)
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('representation_grants', (t) => {
    t.dropColumn('notify')
  })
}
