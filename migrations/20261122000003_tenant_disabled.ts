import type { Knex } from 'knex'

/** A disabled tenant keeps all its data; its hosts answer "this portal is not available". */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('tenants', (t) => {
    t.timestamp('disabled_at', { useTz: true })
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('tenants', (t) => {
    t.dropColumn('disabled_at')
  })
}
