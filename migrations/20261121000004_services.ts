import type { Knex } from 'knex'
import { enableTenantRls } from '../src/db/rls.ts'
import { RUNTIME_GROUP } from '../src/db/roles.ts'

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('access_requests', (t) => {
    t.uuid('tenant_id').notNullable().references('id').inTable('tenants')
    t.uuid('id').notNullable().defaultTo(knex.raw('gen_random_uuid()'))
    t.text('service').notNullable()
    t.text('company').notNullable()
    t.text('email').notNullable()
    t.text('phone').notNullable()
    t.text('locale').notNullable()
    t.timestamp('created_at', { useTz: true }).notNullable()
    t.timestamp('handled_at', { useTz: true })
    t.uuid('handled_by')
    t.primary(['tenant_id', 'id'])
    t.index(['tenant_id', 'handled_at', 'created_at'])
  })
  await enableTenantRls(knex, 'access_requests')
  await knex.raw(`GRANT SELECT, INSERT, UPDATE ON access_requests TO ${RUNTIME_GROUP}`)

  // An enrolment is an operator's promise of a service to an email, redeemed by a typed token.
  await knex.schema.createTable('enrolments', (t) => {
    t.uuid('tenant_id').notNullable().references('id').inTable('tenants')
    t.uuid('id').notNullable().defaultTo(knex.raw('gen_random_uuid()'))
    t.text('service').notNullable()
    t.text('company').notNullable()
    t.text('email').notNullable()
    t.text('phone')
    t.text('token_hash').notNullable()
    t.uuid('request_id')
    t.uuid('created_by')
    t.timestamp('created_at', { useTz: true }).notNullable()
    t.timestamp('expires_at', { useTz: true }).notNullable()
    t.timestamp('used_at', { useTz: true })
    t.uuid('used_by')
    t.timestamp('revoked_at', { useTz: true })
    t.uuid('replaced_by')
    // Redemptions with the right token but the wrong email; the token stops working at 5.
    t.integer('failed_attempts').notNullable().defaultTo(0)
    t.primary(['tenant_id', 'id'])
    t.unique(['tenant_id', 'token_hash'])
    t.index(['tenant_id', 'created_at'])
  })
  await enableTenantRls(knex, 'enrolments')
  await knex.raw(`GRANT SELECT, INSERT, UPDATE ON enrolments TO ${RUNTIME_GROUP}`)

  // Which services a customer has; removal is kept as history, not deleted.
  await knex.schema.createTable('customer_services', (t) => {
    t.uuid('tenant_id').notNullable()
    t.uuid('id').notNullable().defaultTo(knex.raw('gen_random_uuid()'))
    t.uuid('customer_id').notNullable()
    t.text('service').notNullable()
    t.uuid('enrolment_id')
    t.text('added_by').notNullable()
    t.timestamp('added_at', { useTz: true }).notNullable()
    t.timestamp('removed_at', { useTz: true })
    t.primary(['tenant_id', 'id'])
    t.foreign(['tenant_id', 'customer_id'])
      .references(['tenant_id', 'id'])
      .inTable('customers')
      .onDelete('CASCADE')
  })
  await knex.raw(
    `CREATE UNIQUE INDEX customer_services_current_uq ON customer_services (tenant_id, customer_id, service) WHERE removed_at IS NULL`,
  )
  await enableTenantRls(knex, 'customer_services')
  await knex.raw(`GRANT SELECT, INSERT, UPDATE ON customer_services TO ${RUNTIME_GROUP}`)

  await knex.schema.alterTable('customers', (t) => {
    t.text('default_service')
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('customers', (t) => {
    t.dropColumn('default_service')
  })
  for (const table of ['customer_services', 'enrolments', 'access_requests'])
    await knex.schema.dropTableIfExists(table)
}
