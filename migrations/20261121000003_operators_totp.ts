import type { Knex } from 'knex'
import { enableTenantRls } from '../src/db/rls.ts'
import { RUNTIME_GROUP } from '../src/db/roles.ts'

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('operators', (t) => {
    t.text('totp_secret')
    t.timestamp('totp_enabled_at', { useTz: true })
    // The last 30-second step accepted: a code is never accepted twice.
    t.bigInteger('totp_last_step')
    t.integer('session_epoch').notNullable().defaultTo(0)
  })

  await knex.schema.createTable('operator_recovery_codes', (t) => {
    t.uuid('tenant_id').notNullable()
    t.uuid('id').notNullable().defaultTo(knex.raw('gen_random_uuid()'))
    t.uuid('operator_id').notNullable()
    t.text('code_hash').notNullable()
    t.timestamp('used_at', { useTz: true })
    t.primary(['tenant_id', 'id'])
    t.unique(['tenant_id', 'code_hash'])
    t.foreign(['tenant_id', 'operator_id'])
      .references(['tenant_id', 'id'])
      .inTable('operators')
      .onDelete('CASCADE')
  })
  await enableTenantRls(knex, 'operator_recovery_codes')
  await knex.raw(`GRANT SELECT, INSERT, UPDATE, DELETE ON operator_recovery_codes TO ${RUNTIME_GROUP}`)

  await knex.schema.createTable('operator_tokens', (t) => {
    t.uuid('tenant_id').notNullable()
    t.uuid('id').notNullable().defaultTo(knex.raw('gen_random_uuid()'))
    t.uuid('operator_id').notNullable()
    t.text('token_hash').notNullable()
    t.timestamp('created_at', { useTz: true }).notNullable()
    t.timestamp('expires_at', { useTz: true }).notNullable()
    t.timestamp('used_at', { useTz: true })
    t.primary(['tenant_id', 'id'])
    t.unique(['tenant_id', 'token_hash'])
    t.foreign(['tenant_id', 'operator_id'])
      .references(['tenant_id', 'id'])
      .inTable('operators')
      .onDelete('CASCADE')
  })
  await enableTenantRls(knex, 'operator_tokens')
  await knex.raw(`GRANT SELECT, INSERT, UPDATE ON operator_tokens TO ${RUNTIME_GROUP}`)
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('operator_tokens')
  await knex.schema.dropTableIfExists('operator_recovery_codes')
  await knex.schema.alterTable('operators', (t) => {
    t.dropColumns('totp_secret', 'totp_enabled_at', 'totp_last_step', 'session_epoch')
  })
}
