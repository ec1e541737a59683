import type { Knex } from 'knex'

/**
 * Whom a person may act for is read on every request while acting; each process keeps it
 * (platform/tenancy/reference-cache.ts, as "representation") and forgets a tenant's on any
 * change of its memberships or grants, heard on commit from whatever wrote them. The
 * trigger function names the cache entry by its argument where one is given.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE OR REPLACE FUNCTION notify_reference_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE tenant uuid;
    BEGIN
      IF TG_OP = 'DELETE' THEN tenant := OLD.tenant_id; ELSE tenant := NEW.tenant_id; END IF;
      PERFORM pg_notify('reference_changed', COALESCE(TG_ARGV[0], TG_TABLE_NAME) || ':' || tenant);
      RETURN NULL;
    END $$`)
  for (const table of ['account_members', 'representation_grants'])
    await knex.raw(
      `CREATE TRIGGER ?? AFTER INSERT OR UPDATE OR DELETE ON ??
       FOR EACH ROW EXECUTE FUNCTION notify_reference_changed('representation')`,
      [`${table}_changed`, table],
    )
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['account_members', 'representation_grants'])
    await knex.raw('DROP TRIGGER ?? ON ??', [`${table}_changed`, table])
}
