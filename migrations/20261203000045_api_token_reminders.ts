import type { Knex } from 'knex'

/** Which expiry reminders a token's creator has had (14 and 3 days before), so each goes once. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('api_tokens', (t) => {
    t.specificType('reminded', 'smallint[]').notNullable().defaultTo('{}')
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('api_tokens', (t) => {
    t.dropColumn('reminded')
  })
}
