import type { Knex } from 'knex'

/**
 * The signed-in staff member is read by every staff page and kept per process (operators'
 * `signedInOperator`), like the signed-in customer: any change of an operator's row — a
 * disabling, a new session epoch, a role — tells every process, on commit, for that one
 * operator ("operators:<tenant id>:<id>"; the assignable staff list, "operators:<tenant
 * id>", is told only by `operators_changed`). One function for both kept rows now.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE FUNCTION notify_row_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('reference_changed', TG_TABLE_NAME || ':' || OLD.tenant_id || ':' || OLD.id);
      RETURN NULL;
    END $$`)
  await knex.raw(`
    CREATE TRIGGER operators_row_changed AFTER UPDATE OR DELETE ON operators
    FOR EACH ROW EXECUTE FUNCTION notify_row_changed()`)
  await knex.raw('DROP TRIGGER customers_changed ON customers')
  await knex.raw('DROP FUNCTION notify_customer_changed()')
  await knex.raw(`
    CREATE TRIGGER customers_changed AFTER UPDATE OR DELETE ON customers
    FOR EACH ROW EXECUTE FUNCTION notify_row_changed()`)
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER operators_row_changed ON operators')
  await knex.raw('DROP TRIGGER customers_changed ON customers')
  await knex.raw(`
    CREATE FUNCTION notify_customer_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('reference_changed', 'customers:' || OLD.tenant_id || ':' || OLD.id);
      RETURN NULL;
    END $$`)
  await knex.raw(`
    CREATE TRIGGER customers_changed AFTER UPDATE OR DELETE ON customers
    FOR EACH ROW EXECUTE FUNCTION notify_customer_changed()`)
  await knex.raw('DROP FUNCTION notify_row_changed()')
}
