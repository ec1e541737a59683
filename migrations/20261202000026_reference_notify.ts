import type { Knex } from 'knex'

/**
 * Application types are read by nearly every applications page and cached per process
 * (platform/tenancy/reference-cache.ts); whatever writes them tells every process, on commit.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE FUNCTION notify_reference_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE tenant uuid;
    BEGIN
      IF TG_OP = 'DELETE' THEN tenant := OLD.tenant_id; ELSE tenant := NEW.tenant_id; END IF;
      PERFORM pg_notify('reference_changed', TG_TABLE_NAME || ':' || tenant);
      RETURN NULL;
    END $$`)
  await knex.raw(`
    CREATE TRIGGER application_types_changed AFTER INSERT OR UPDATE OR DELETE ON application_types
    FOR EACH ROW EXECUTE FUNCTION notify_reference_changed()`)
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER application_types_changed ON application_types')
  await knex.raw('DROP FUNCTION notify_reference_changed()')
}
