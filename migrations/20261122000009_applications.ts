import type { Knex } from 'knex'
import { createTenantTable, tenantReference } from '../src/db/rls.ts'

/**
 * Applications (seed 002 "Заявки", seed 004): versioned application types per tenant,
 * the applications themselves with gapless per-year numbers, their conversations, and
 * the tenant's library of standard forms.
 */
export async function up(knex: Knex): Promise<void> {
  // An edit of a type is a new row: an application keeps the version it was submitted under.
  await createTenantTable(knex, 'application_types', (t) => {
    t.text('code').notNullable()
    t.integer('version').notNullable()
    t.jsonb('definition').notNullable()
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.uuid('created_by')
    t.unique(['tenant_id', 'code', 'version'])
  })
  await tenantReference(knex, 'application_types', 'created_by', 'operators', { onDelete: 'set null' })

  // One row per number series: the row lock makes numbers gapless under concurrency, and a
  // rolled-back submission gives its number back.
  await createTenantTable(knex, 'application_counters', (t) => {
    t.text('prefix').notNullable()
    t.integer('year').notNullable()
    t.integer('last').notNullable()
    t.unique(['tenant_id', 'prefix', 'year'])
  })

  await createTenantTable(knex, 'applications', (t) => {
    t.uuid('customer_id').notNullable()
    t.uuid('type_id').notNullable()
    t.text('type_code').notNullable()
    t.text('number')
    t.text('status').notNullable()
    t.jsonb('content').notNullable()
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.timestamp('submitted_at', { useTz: true })
    t.date('due_on')
    t.uuid('assignee_id')
    t.bigInteger('last_message_n').notNullable().defaultTo(0)
    t.timestamp('last_message_at', { useTz: true })
    // Read markers and what the unread-message email already covered, per side.
    t.bigInteger('customer_read_n').notNullable().defaultTo(0)
    t.bigInteger('staff_read_n').notNullable().defaultTo(0)
    t.bigInteger('customer_mailed_n').notNullable().defaultTo(0)
    t.bigInteger('staff_mailed_n').notNullable().defaultTo(0)
    t.unique(['tenant_id', 'number'])
    t.index(['tenant_id', 'customer_id', 'created_at'])
    t.index(['tenant_id', 'status', 'submitted_at'])
    t.index(['tenant_id', 'submitted_at'])
  })
  await tenantReference(knex, 'applications', 'customer_id', 'customers', { onDelete: 'cascade' })
  await tenantReference(knex, 'applications', 'type_id', 'application_types')
  await tenantReference(knex, 'applications', 'assignee_id', 'operators', { onDelete: 'set null' })

  await createTenantTable(
    knex,
    'application_messages',
    (t) => {
      t.uuid('application_id').notNullable()
      t.specificType('n', 'bigint generated always as identity').notNullable()
      t.text('author_type').notNullable()
      t.uuid('author_id')
      t.text('body').notNullable()
      t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
      t.index(['tenant_id', 'application_id', 'n'])
    },
    ['SELECT', 'INSERT'],
  )
  await tenantReference(knex, 'application_messages', 'application_id', 'applications', {
    onDelete: 'cascade',
  })

  await createTenantTable(
    knex,
    'standard_forms',
    (t) => {
      // Versions of one form share a family id; the newest is what customers get by default.
      t.uuid('family_id').notNullable()
      t.integer('version').notNullable()
      t.text('kind').notNullable()
      t.text('type_code')
      t.jsonb('title').notNullable()
      t.uuid('file_id').notNullable()
      t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
      t.uuid('created_by')
      t.unique(['tenant_id', 'family_id', 'version'])
    },
    ['SELECT', 'INSERT'],
  )
  await tenantReference(knex, 'standard_forms', 'file_id', 'files')
  await tenantReference(knex, 'standard_forms', 'created_by', 'operators', { onDelete: 'set null' })
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'standard_forms',
    'application_messages',
    'applications',
    'application_counters',
    'application_types',
  ])
    await knex.schema.dropTable(table)
}
