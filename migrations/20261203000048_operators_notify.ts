import type { Knex } from 'knex'

/**
 * The staff work can be assigned to is read by the queue and every application's page and
 * kept per process (operators' `assignableOperators`); a change of what it shows — a name,
 * an email, a disabling, a new or removed operator — tells every process, on commit. A
 * sign-in's TOTP step or a session epoch does not.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TRIGGER operators_changed AFTER INSERT OR DELETE OR UPDATE OF name, email, disabled_at ON operators
    FOR EACH ROW EXECUTE FUNCTION notify_reference_changed()`)
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER operators_changed ON operators')
}
