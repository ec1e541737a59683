import type { Knex } from 'knex'
import { CURRENT_TENANT, enableTenantRls } from '../src/db/rls.ts'
import { RUNTIME_GROUP } from '../src/db/roles.ts'

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    DO $$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${RUNTIME_GROUP}') THEN
        RAISE EXCEPTION 'role ${RUNTIME_GROUP} is missing: create it (NOLOGIN) and make the runtime login role a member; see README';
      END IF;
    END $$`)
  await knex.raw(`REVOKE ALL ON SCHEMA public FROM PUBLIC`)
  await knex.raw(`GRANT USAGE ON SCHEMA public TO ${RUNTIME_GROUP}`)
  await knex.raw(`GRANT SELECT ON knex_migrations TO ${RUNTIME_GROUP}`)

  await knex.schema.createTable('tenants', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'))
    t.text('slug').notNullable().unique()
    t.jsonb('settings').notNullable()
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
  })
  await knex.raw(
    `ALTER TABLE tenants ADD CONSTRAINT tenants_slug_format CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,31}$')`,
  )
  // Tenants are looked up before any tenant context exists (by host), so reading is open;
  // writing is only ever to the tenant of the transaction.
  await knex.raw(`ALTER TABLE tenants ENABLE ROW LEVEL SECURITY`)
  await knex.raw(`ALTER TABLE tenants FORCE ROW LEVEL SECURITY`)
  await knex.raw(`CREATE POLICY tenants_read ON tenants FOR SELECT USING (true)`)
  await knex.raw(`CREATE POLICY tenants_insert ON tenants FOR INSERT WITH CHECK (id = ${CURRENT_TENANT})`)
  await knex.raw(
    `CREATE POLICY tenants_update ON tenants FOR UPDATE USING (id = ${CURRENT_TENANT}) WITH CHECK (id = ${CURRENT_TENANT})`,
  )
  await knex.raw(`GRANT SELECT, UPDATE ON tenants TO ${RUNTIME_GROUP}`)

  await knex.schema.createTable('tenant_domains', (t) => {
    t.uuid('tenant_id').notNullable().references('id').inTable('tenants').onDelete('CASCADE')
    // A host names exactly one tenant, so this key is global by nature.
    t.text('host').notNullable().unique()
    t.primary(['tenant_id', 'host'])
  })
  await knex.raw(
    `ALTER TABLE tenant_domains ADD CONSTRAINT tenant_domains_host_lower CHECK (host = lower(host))`,
  )
  await enableTenantRls(knex, 'tenant_domains')
  await knex.raw(`CREATE POLICY tenant_domains_resolve ON tenant_domains FOR SELECT USING (true)`)
  await knex.raw(`GRANT SELECT, INSERT, DELETE ON tenant_domains TO ${RUNTIME_GROUP}`)

  await knex.schema.createTable('session', (t) => {
    t.string('sid').primary()
    t.json('sess').notNullable()
    t.timestamp('expire', { precision: 6 }).notNullable().index('session_expire_idx')
  })
  await knex.raw(`GRANT SELECT, INSERT, UPDATE, DELETE ON session TO ${RUNTIME_GROUP}`)

  await knex.schema.createTable('rate_limits', (t) => {
    t.string('key', 255).primary()
    t.integer('points').notNullable().defaultTo(0)
    t.bigInteger('expire')
  })
  await knex.raw(`GRANT SELECT, INSERT, UPDATE, DELETE ON rate_limits TO ${RUNTIME_GROUP}`)

  await knex.schema.createTable('outbox', (t) => {
    t.uuid('tenant_id').notNullable().references('id').inTable('tenants')
    t.uuid('id').notNullable().defaultTo(knex.raw('gen_random_uuid()'))
    t.text('template').notNullable()
    t.text('to_address').notNullable()
    t.text('locale').notNullable()
    t.text('subject').notNullable()
    t.text('text_body').notNullable()
    t.text('html_body').notNullable()
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.integer('attempts').notNullable().defaultTo(0)
    t.text('last_error')
    t.timestamp('sent_at', { useTz: true })
    t.text('delivered_via')
    t.primary(['tenant_id', 'id'])
    t.index(['tenant_id', 'created_at'])
  })
  await enableTenantRls(knex, 'outbox')
  await knex.raw(`GRANT SELECT, INSERT, UPDATE ON outbox TO ${RUNTIME_GROUP}`)

  await knex.schema.createTable('audit_log', (t) => {
    t.uuid('tenant_id').notNullable().references('id').inTable('tenants')
    t.uuid('id').notNullable().defaultTo(knex.raw('gen_random_uuid()'))
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.text('actor_type').notNullable()
    t.uuid('actor_id')
    t.text('action').notNullable()
    t.text('target_type')
    t.text('target_id')
    t.text('request_id')
    t.specificType('ip', 'inet')
    t.jsonb('details').notNullable().defaultTo('{}')
    t.primary(['tenant_id', 'id'])
    t.index(['tenant_id', 'at'])
  })
  await enableTenantRls(knex, 'audit_log')
  // History is kept: the runtime role can append and read, never rewrite.
  await knex.raw(`GRANT SELECT, INSERT ON audit_log TO ${RUNTIME_GROUP}`)

  await knex.schema.createTable('files', (t) => {
    t.uuid('tenant_id').notNullable().references('id').inTable('tenants')
    t.uuid('id').notNullable().defaultTo(knex.raw('gen_random_uuid()'))
    t.text('storage_key').notNullable()
    t.text('sha256').notNullable()
    t.bigInteger('size_bytes').notNullable()
    t.text('media_type').notNullable()
    t.text('original_name').notNullable()
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.primary(['tenant_id', 'id'])
    t.unique(['tenant_id', 'storage_key'])
  })
  await enableTenantRls(knex, 'files')
  await knex.raw(`GRANT SELECT, INSERT, DELETE ON files TO ${RUNTIME_GROUP}`)

  await knex.schema.createTable('operators', (t) => {
    t.uuid('tenant_id').notNullable().references('id').inTable('tenants')
    t.uuid('id').notNullable().defaultTo(knex.raw('gen_random_uuid()'))
    t.text('email').notNullable()
    t.text('name').notNullable()
    t.text('role').notNullable()
    t.text('password_hash')
    t.timestamp('disabled_at', { useTz: true })
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.primary(['tenant_id', 'id'])
  })
  await knex.raw(`ALTER TABLE operators ADD CONSTRAINT operators_role CHECK (role IN ('admin', 'operator'))`)
  await knex.raw(`CREATE UNIQUE INDEX operators_email_uq ON operators (tenant_id, lower(email))`)
  await enableTenantRls(knex, 'operators')
  await knex.raw(`GRANT SELECT, INSERT, UPDATE ON operators TO ${RUNTIME_GROUP}`)
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'operators',
    'files',
    'audit_log',
    'outbox',
    'rate_limits',
    'session',
    'tenant_domains',
    'tenants',
  ]) {
    await knex.schema.dropTableIfExists(table)
  }
}
