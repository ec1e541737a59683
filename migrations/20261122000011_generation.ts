import type { Knex } from 'knex'
import { createTenantTable, tenantReference } from '../src/db/rls.ts'

/**
 * Generation planning (PGB, seeds 000/001): generating units, one schedule per unit and
 * delivery day with its versions (values by UTC interval start: the first start and the
 * resolution are stored with the values, so a version reads the same whatever the tenant
 * later sets), spreadsheet imports waiting for confirmation, and the reminders sent.
 */
export async function up(knex: Knex): Promise<void> {
  await createTenantTable(knex, 'generating_units', (t) => {
    t.uuid('customer_id').notNullable()
    t.text('code').notNullable()
    t.text('name').notNullable()
    t.text('technology').notNullable()
    t.decimal('capacity_kw', 14, 3).notNullable()
    t.text('connection_point').notNullable().defaultTo('')
    t.date('active_from').notNullable()
    t.date('active_to')
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.unique(['tenant_id', 'code'])
    t.index(['tenant_id', 'customer_id'])
  })
  await tenantReference(knex, 'generating_units', 'customer_id', 'customers')

  await createTenantTable(knex, 'schedules', (t) => {
    t.uuid('unit_id').notNullable()
    t.date('day').notNullable()
    // The newest version's status, or 'draft' while only a draft exists.
    t.text('status').notNullable()
    t.integer('version').notNullable().defaultTo(0)
    t.specificType('draft', 'double precision[]')
    t.timestamp('draft_saved_at', { useTz: true })
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.unique(['tenant_id', 'unit_id', 'day'])
    t.index(['tenant_id', 'day', 'status'])
  })
  await tenantReference(knex, 'schedules', 'unit_id', 'generating_units', { onDelete: 'cascade' })

  await createTenantTable(knex, 'schedule_versions', (t) => {
    t.uuid('schedule_id').notNullable()
    t.integer('version').notNullable()
    t.text('status').notNullable()
    t.integer('resolution').notNullable()
    t.timestamp('first_start', { useTz: true }).notNullable()
    t.specificType('values', 'double precision[]').notNullable()
    t.double('total').notNullable()
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.uuid('created_by')
    t.unique(['tenant_id', 'schedule_id', 'version'])
  })
  await tenantReference(knex, 'schedule_versions', 'schedule_id', 'schedules', { onDelete: 'cascade' })
  await tenantReference(knex, 'schedule_versions', 'created_by', 'customers', { onDelete: 'set null' })

  await createTenantTable(
    knex,
    'schedule_imports',
    (t) => {
      t.uuid('customer_id').notNullable()
      t.text('file_name').notNullable()
      t.jsonb('rows').notNullable()
      t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
      t.timestamp('applied_at', { useTz: true })
    },
    ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
  )
  await tenantReference(knex, 'schedule_imports', 'customer_id', 'customers', { onDelete: 'cascade' })

  await createTenantTable(
    knex,
    'schedule_reminders',
    (t) => {
      t.uuid('customer_id').notNullable()
      t.date('day').notNullable()
      t.timestamp('sent_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
      t.unique(['tenant_id', 'customer_id', 'day'])
    },
    ['SELECT', 'INSERT'],
  )
  await tenantReference(knex, 'schedule_reminders', 'customer_id', 'customers', { onDelete: 'cascade' })
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'schedule_reminders',
    'schedule_imports',
    'schedule_versions',
    'schedules',
    'generating_units',
  ])
    await knex.schema.dropTable(table)
}
