import type { Knex } from 'knex'
import { UNINDEXED_FOREIGN_KEYS_SQL } from '../src/db/foreign-keys.ts'

/**
 * Indexes for what pages filter and sort on (issue 18): every foreign key (so a
 * join or a parent's delete never scans the child table), the staff queue's filters by
 * type, assignee and due date in its order (submitted, newest first). The foreign keys'
 * indexes stay on the way down.
 */
export async function up(knex: Knex): Promise<void> {
  const { rows } = await knex.raw<{ rows: { table: string; constraint: string; columns: string }[] }>(
    UNINDEXED_FOREIGN_KEYS_SQL,
  )
  for (const fk of rows)
    await knex.raw(
      `CREATE INDEX ?? ON ?? (${fk.columns
        .split(',')
        .map(() => '??')
        .join(', ')})`,
      [`${fk.constraint}_idx`, fk.table, ...fk.columns.split(',')],
    )

  // (tenant_id, submitted_at) and (tenant_id, status, submitted_at) exist since the table did.
  await knex.raw(
    `CREATE INDEX applications_type_idx ON applications (tenant_id, type_code, submitted_at DESC)`,
  )
  await knex.raw(
    `CREATE INDEX applications_assignee_idx ON applications (tenant_id, assignee_id, submitted_at DESC)`,
  )
  await knex.raw(
    `CREATE INDEX applications_due_idx ON applications (tenant_id, due_on) WHERE due_on IS NOT NULL`,
  )
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX applications_due_idx, applications_assignee_idx, applications_type_idx')
}
