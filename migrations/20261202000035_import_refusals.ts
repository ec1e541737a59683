import type { Knex } from 'knex'

/**
 * Why an AMR import refused a file, as a key and its values (shown in the reader's
 * language) beside the English reason kept for logs and support.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('amr_imports', (t) => {
    t.jsonb('failed_refusal')
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('amr_imports', (t) => {
    t.dropColumn('failed_refusal')
  })
}
