import type { Knex } from 'knex'
import { RUNTIME_GROUP } from '../src/db/roles.ts'

/**
 * Directories: what other modules may read of customers (accounts), staff (operators) and
 * enrolments (services) in their own lists, so a list stays one query without joining
 * another module's tables. Each view is owned and documented by its module's CONTEXT.md.
 * `security_invoker`: the reader's row-level security applies, as on the tables.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE VIEW customer_directory WITH (security_invoker = true) AS
    SELECT tenant_id, id, email,
      coalesce(nullif(organisation_name, ''), nullif(full_name, ''),
               nullif(concat_ws(' ', first_name, last_name), ''), email) AS name,
      concat_ws(' ', organisation_name, full_name, first_name, last_name) AS names
    FROM customers`)
  await knex.raw(`
    CREATE VIEW staff_directory WITH (security_invoker = true) AS
    SELECT tenant_id, id, email, name, disabled_at IS NULL AS active FROM operators`)
  await knex.raw(`
    CREATE VIEW enrolment_directory WITH (security_invoker = true) AS
    SELECT tenant_id, id, company FROM enrolments`)
  await knex.raw(
    `GRANT SELECT ON customer_directory, staff_directory, enrolment_directory TO ${RUNTIME_GROUP}`,
  )
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP VIEW enrolment_directory, staff_directory, customer_directory')
}
