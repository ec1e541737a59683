import type { Knex } from 'knex'
import { createTenantTable, tenantReference } from '../src/db/rls.ts'

/**
 * Organisations (issue 21): a person — a customer's login — may act for another account
 * with a role and, for a colleague, named permissions per service. A membership is ended,
 * never deleted, so who could act for whom, and when, stays known. An invitation is a
 * single-use emailed link (its hash stored) valid for seven days.
 */
export async function up(knex: Knex): Promise<void> {
  await createTenantTable(knex, 'account_members', (t) => {
    t.uuid('account_id').notNullable()
    t.uuid('person_id').notNullable()
    t.text('role').notNullable()
    t.specificType('permissions', 'text[]').notNullable().defaultTo('{}')
    t.uuid('added_by')
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.timestamp('ended_at', { useTz: true })
    t.uuid('ended_by')
  })
  await tenantReference(knex, 'account_members', 'account_id', 'customers', { onDelete: 'cascade' })
  await tenantReference(knex, 'account_members', 'person_id', 'customers', { onDelete: 'cascade' })
  await tenantReference(knex, 'account_members', 'added_by', 'customers', { onDelete: 'set null' })
  await tenantReference(knex, 'account_members', 'ended_by', 'customers', { onDelete: 'set null' })
  await knex.raw(`
    ALTER TABLE account_members
      ADD CONSTRAINT account_members_role CHECK (role IN ('administrator', 'colleague')),
      ADD CONSTRAINT account_members_not_self CHECK (account_id <> person_id)`)
  // One current membership of a person in an account; ended ones stay as history.
  await knex.raw(`CREATE UNIQUE INDEX account_members_current ON account_members (tenant_id, account_id, person_id)
                  WHERE ended_at IS NULL`)

  await createTenantTable(knex, 'account_invitations', (t) => {
    t.uuid('account_id').notNullable()
    t.text('email').notNullable()
    t.text('role').notNullable()
    t.specificType('permissions', 'text[]').notNullable().defaultTo('{}')
    t.text('token_hash').notNullable()
    t.uuid('invited_by')
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.timestamp('expires_at', { useTz: true }).notNullable()
    t.timestamp('accepted_at', { useTz: true })
    t.uuid('accepted_by')
    t.timestamp('withdrawn_at', { useTz: true })
    t.index(['tenant_id', 'account_id', 'created_at'])
    t.unique(['tenant_id', 'token_hash'])
  })
  await tenantReference(knex, 'account_invitations', 'account_id', 'customers', { onDelete: 'cascade' })
  await tenantReference(knex, 'account_invitations', 'invited_by', 'customers', { onDelete: 'set null' })
  await tenantReference(knex, 'account_invitations', 'accepted_by', 'customers', { onDelete: 'set null' })
  await knex.raw(`
    ALTER TABLE account_invitations
      ADD CONSTRAINT account_invitations_role CHECK (role IN ('administrator', 'colleague'))`)
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('account_invitations')
  await knex.schema.dropTable('account_members')
}
