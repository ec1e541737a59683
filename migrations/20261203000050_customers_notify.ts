import type { Knex } from 'knex'

/**
 * The signed-in customer is read by every page and kept per process (accounts'
 * `signedInCustomers`); any change of a customer's row — a disabling, a new session epoch,
 * a name, a language, by a page, a seed or psql — tells every process, on commit. One
 * customer's payload ("customers:<tenant id>:<id>"), so a change forgets that customer
 * only, not every customer of the tenant.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE FUNCTION notify_customer_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('reference_changed', 'customers:' || OLD.tenant_id || ':' || OLD.id);
      RETURN NULL;
    END $$`)
  await knex.raw(`
    CREATE TRIGGER customers_changed AFTER UPDATE OR DELETE ON customers
    FOR EACH ROW EXECUTE FUNCTION notify_customer_changed()`)
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER customers_changed ON customers')
  await knex.raw('DROP FUNCTION notify_customer_changed()')
}
