import type { Knex } from 'knex'
import { tenantReference } from '../src/db/rls.ts'

/** The references the first tables left as bare UUIDs, now composite: no row can point into another tenant. */
const REFERENCES: [table: string, column: string, target: string, onDelete?: 'set null'][] = [
  ['access_requests', 'handled_by', 'operators'],
  ['enrolments', 'request_id', 'access_requests'],
  ['enrolments', 'created_by', 'operators'],
  ['enrolments', 'used_by', 'customers', 'set null'],
  ['enrolments', 'replaced_by', 'enrolments'],
  ['customer_services', 'enrolment_id', 'enrolments'],
]

export async function up(knex: Knex): Promise<void> {
  for (const [table, column, target, onDelete] of REFERENCES)
    await tenantReference(knex, table, column, target, onDelete ? { onDelete } : {})
}

export async function down(knex: Knex): Promise<void> {
  for (const [table, column] of REFERENCES)
    await knex.raw(`ALTER TABLE ?? DROP CONSTRAINT ??`, [table, `${table}_${column}_fk`])
}
