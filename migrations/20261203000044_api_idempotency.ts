import type { Knex } from 'knex'
import { createTenantTable, tenantReference } from '../src/db/rls.ts'

/**
 * `Idempotency-Key` of the API's POSTs (issue 22): per token, the key, what the request
 * was (a hash of method, path and body) and the answer given, kept for a day, so a client
 * that retries after a lost answer gets the same one instead of a second message.
 */
export async function up(knex: Knex): Promise<void> {
  await createTenantTable(
    knex,
    'api_idempotency_keys',
    (t) => {
      t.uuid('token_id').notNullable()
      t.text('key').notNullable()
      t.text('request_hash').notNullable()
      t.integer('status')
      t.jsonb('answer')
      t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
      t.unique(['tenant_id', 'token_id', 'key'])
    },
    ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
  )
  await tenantReference(knex, 'api_idempotency_keys', 'token_id', 'api_tokens', { onDelete: 'cascade' })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('api_idempotency_keys')
}
