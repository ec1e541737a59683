import type { Knex } from 'knex'

/**
 * A customer's services are read by every page of a service (its guard) and kept per
 * process (services' `enrolledIn`); any change of them — a token redeemed, a service
 * granted or removed by staff or by a review, a seed, psql — tells every process, on commit.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TRIGGER customer_services_changed AFTER INSERT OR UPDATE OR DELETE ON customer_services
    FOR EACH ROW EXECUTE FUNCTION notify_reference_changed()`)
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER customer_services_changed ON customer_services')
}
