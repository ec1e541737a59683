import type { Knex } from 'knex'
import { createTenantTable } from '../src/db/rls.ts'
import { RUNTIME_GROUP } from '../src/db/roles.ts'

/**
 * Events announced to live pages (http/live): kept so a browser that reconnects with
 * Last-Event-ID is sent what it missed. `seq` orders them across all app processes.
 */
export async function up(knex: Knex): Promise<void> {
  await createTenantTable(
    knex,
    'live_events',
    (t) => {
      t.bigIncrements('seq', { primaryKey: false })
      t.text('topic').notNullable()
      t.jsonb('data').notNullable()
      t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
      t.index(['tenant_id', 'topic', 'seq'])
    },
    ['SELECT', 'INSERT', 'DELETE'],
  )
  await knex.raw(`GRANT USAGE ON SEQUENCE live_events_seq_seq TO ${RUNTIME_GROUP}`)
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('live_events')
}
