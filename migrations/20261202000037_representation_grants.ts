import type { Knex } from 'knex'
import { createTenantTable, tenantReference } from '../src/db/rls.ts'

/**
 * Representation (issue 21 item 5): an account lets another account act for it in one
 * service with named permissions over a period [from, to) — an installer filing
 * applications, a scheduling agent submitting PGB schedules. Offered to an email address
 * and accepted by the account behind it; either side may end it (the period is cut at
 * that moment and the row kept); it ends by itself at its end, every check comparing
 * with now. PGB has one scheduler at a time: grants of it for the same account may not
 * overlap, which the database decides, also for two grants made at the same moment.
 */
export async function up(knex: Knex): Promise<void> {
  await createTenantTable(knex, 'representation_grants', (t) => {
    t.uuid('grantor_id').notNullable()
    t.text('representative_email').notNullable()
    t.uuid('representative_id')
    t.text('service').notNullable()
    t.specificType('permissions', 'text[]').notNullable()
    t.specificType('period', 'tstzrange').notNullable()
    t.text('status').notNullable().defaultTo('offered')
    t.uuid('created_by')
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.timestamp('accepted_at', { useTz: true })
    t.timestamp('ended_at', { useTz: true })
    t.text('ended_by')
    t.text('end_reason')
    t.index(['tenant_id', 'grantor_id', 'status'])
  })
  await tenantReference(knex, 'representation_grants', 'grantor_id', 'customers', { onDelete: 'cascade' })
  await tenantReference(knex, 'representation_grants', 'representative_id', 'customers', {
    onDelete: 'cascade',
  })
  await tenantReference(knex, 'representation_grants', 'created_by', 'customers', { onDelete: 'set null' })
  await knex.raw(`
    ALTER TABLE representation_grants
      ADD CONSTRAINT representation_grants_status CHECK (status IN ('offered', 'active', 'declined', 'ended')),
      ADD CONSTRAINT representation_grants_service CHECK (service IN ('applications', 'readings', 'pgb', 'market')),
      ADD CONSTRAINT representation_grants_bounded CHECK (NOT lower_inf(period) AND NOT upper_inf(period)),
      ADD CONSTRAINT representation_grants_one_scheduler
        EXCLUDE USING gist (tenant_id WITH =, grantor_id WITH =, period WITH &&)
        WHERE (service = 'pgb' AND status IN ('offered', 'active', 'ended'))`)
  await knex.raw(`CREATE INDEX representation_grants_representative ON representation_grants
                  (tenant_id, lower(representative_email))`)
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('representation_grants')
}
