import type { Knex } from 'knex'
import { createTenantTable } from '../src/db/rls.ts'
import { RUNTIME_GROUP } from '../src/db/roles.ts'

/**
 * Every status change of every workflow (platform/workflow): appended, never updated, so
 * a subject's timeline is its whole history.
 */
export async function up(knex: Knex): Promise<void> {
  await createTenantTable(
    knex,
    'status_history',
    (t) => {
      t.bigIncrements('seq', { primaryKey: false })
      t.text('workflow').notNullable()
      t.text('subject_type').notNullable()
      t.uuid('subject_id').notNullable()
      t.text('from_status')
      t.text('to_status').notNullable()
      t.text('actor_type').notNullable()
      t.uuid('actor_id')
      t.text('comment')
      t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
      t.index(['tenant_id', 'subject_type', 'subject_id'])
    },
    ['SELECT', 'INSERT'],
  )
  // The seq column orders changes made within the same instant; inserting draws on it.
  await knex.raw(`GRANT USAGE ON SEQUENCE status_history_seq_seq TO ${RUNTIME_GROUP}`)
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('status_history')
}
