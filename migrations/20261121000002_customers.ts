import type { Knex } from 'knex'
import { enableTenantRls } from '../src/db/rls.ts'
import { RUNTIME_GROUP } from '../src/db/roles.ts'

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('customers', (t) => {
    t.uuid('tenant_id').notNullable().references('id').inTable('tenants')
    t.uuid('id').notNullable().defaultTo(knex.raw('gen_random_uuid()'))
    t.text('email').notNullable()
    // Where the tenant signs in by login name (seed 003): compared case-sensitively.
    t.text('login_name')
    t.text('password_hash')
    t.text('status').notNullable()
    t.boolean('must_change_password').notNullable().defaultTo(false)
    // A one-time (emailed) password stops working at this instant.
    t.timestamp('password_expires_at', { useTz: true })
    t.text('category')
    t.text('organisation_name')
    t.text('full_name')
    t.text('first_name')
    t.text('last_name')
    t.text('phone')
    t.text('preferred_locale')
    t.jsonb('identifiers').notNullable().defaultTo('{}')
    t.integer('consent_version')
    t.timestamp('consent_at', { useTz: true })
    t.specificType('consent_ip', 'inet')
    // Raised to end every session issued before (password change, "sign out other sessions").
    t.integer('session_epoch').notNullable().defaultTo(0)
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.timestamp('confirmed_at', { useTz: true })
    t.timestamp('password_changed_at', { useTz: true })
    t.timestamp('disabled_at', { useTz: true })
    t.primary(['tenant_id', 'id'])
  })
  await knex.raw(
    `ALTER TABLE customers ADD CONSTRAINT customers_status CHECK (status IN ('pending', 'active', 'disabled'))`,
  )
  await knex.raw(
    `ALTER TABLE customers ADD CONSTRAINT customers_category CHECK (category IN ('legal', 'individual'))`,
  )
  await knex.raw(`CREATE UNIQUE INDEX customers_email_uq ON customers (tenant_id, lower(email))`)
  await knex.raw(
    `CREATE UNIQUE INDEX customers_login_name_uq ON customers (tenant_id, login_name) WHERE login_name IS NOT NULL`,
  )
  await enableTenantRls(knex, 'customers')
  await knex.raw(`GRANT SELECT, INSERT, UPDATE, DELETE ON customers TO ${RUNTIME_GROUP}`)

  await knex.schema.createTable('account_tokens', (t) => {
    t.uuid('tenant_id').notNullable()
    t.uuid('id').notNullable().defaultTo(knex.raw('gen_random_uuid()'))
    t.uuid('customer_id').notNullable()
    t.text('purpose').notNullable()
    t.text('token_hash').notNullable()
    t.jsonb('data').notNullable().defaultTo('{}')
    t.timestamp('created_at', { useTz: true }).notNullable()
    t.timestamp('expires_at', { useTz: true }).notNullable()
    t.timestamp('used_at', { useTz: true })
    t.primary(['tenant_id', 'id'])
    t.unique(['tenant_id', 'token_hash'])
    t.foreign(['tenant_id', 'customer_id'])
      .references(['tenant_id', 'id'])
      .inTable('customers')
      .onDelete('CASCADE')
  })
  await knex.raw(
    `ALTER TABLE account_tokens ADD CONSTRAINT account_tokens_purpose CHECK (purpose IN ('confirm_email', 'reset_password', 'change_email'))`,
  )
  await enableTenantRls(knex, 'account_tokens')
  await knex.raw(`GRANT SELECT, INSERT, UPDATE, DELETE ON account_tokens TO ${RUNTIME_GROUP}`)
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('account_tokens')
  await knex.schema.dropTableIfExists('customers')
}
