import type { Knex } from 'knex'
import { RUNTIME_GROUP } from '../src/db/roles.ts'

/**
 * Open live streams (http/live), so the per-session cap holds across app processes: a
 * row per open stream, kept fresh by its process; rows of a process that died go stale
 * and stop counting. Like `session`, connection bookkeeping, not tenant data.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('live_streams', (t) => {
    t.uuid('id').primary()
    t.text('session_hash').notNullable()
    t.timestamp('seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.index(['session_hash', 'seen_at'])
  })
  await knex.raw(`GRANT SELECT, INSERT, UPDATE, DELETE ON live_streams TO ${RUNTIME_GROUP}`)
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('live_streams')
}
