import type { Knex } from 'knex'
import { createTenantTable, tenantReference } from '../src/db/rls.ts'

/**
 * Personal API tokens (issue 22): one account acted for, created by one person, with scopes
 * and an expiry. Only the SHA-256 of the token is kept, with a visible prefix to recognise
 * it by; revoking keeps the row (and who revoked it) for the audit trail.
 */
export async function up(knex: Knex): Promise<void> {
  await createTenantTable(knex, 'api_tokens', (t) => {
    t.uuid('account_id').notNullable()
    t.uuid('created_by').notNullable()
    t.text('name').notNullable()
    t.text('prefix').notNullable()
    t.text('token_hash').notNullable()
    t.specificType('scopes', 'text[]').notNullable()
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.timestamp('expires_at', { useTz: true }).notNullable()
    t.timestamp('last_used_at', { useTz: true })
    t.timestamp('revoked_at', { useTz: true })
    t.text('revoked_by')
    t.unique(['tenant_id', 'token_hash'])
  })
  await tenantReference(knex, 'api_tokens', 'account_id', 'customers', { onDelete: 'cascade' })
  await tenantReference(knex, 'api_tokens', 'created_by', 'customers', { onDelete: 'cascade' })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('api_tokens')
}
