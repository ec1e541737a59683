import type { Knex } from 'knex'

/** Group role that migrations grant table privileges to; login roles are its members. */
export const RUNTIME_GROUP = 'kabinet_runtime'
export const OWNER_ROLE = 'kabinet_owner'
export const APP_ROLE = 'kabinet_app'

/**
 * Creates (or re-passwords) the owner and runtime roles on a cluster we administer
 * ourselves: the embedded database and the test server. docker-compose does the same
 * in docker/postgres-init.sh.
 */
export async function ensureRoles(superuser: Knex, passwords: { owner: string; app: string }): Promise<void> {
  await superuser.raw(`
    DO $$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${RUNTIME_GROUP}') THEN
        CREATE ROLE ${RUNTIME_GROUP} NOLOGIN NOSUPERUSER NOBYPASSRLS;
      END IF;
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${OWNER_ROLE}') THEN
        CREATE ROLE ${OWNER_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS CREATEDB;
      END IF;
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN
        CREATE ROLE ${APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE IN ROLE ${RUNTIME_GROUP};
      END IF;
    END $$`)
  await superuser.raw(`ALTER ROLE ${OWNER_ROLE} PASSWORD '${passwords.owner.replaceAll("'", "''")}'`)
  await superuser.raw(`ALTER ROLE ${APP_ROLE} PASSWORD '${passwords.app.replaceAll("'", "''")}'`)
}

export async function createDatabase(superuser: Knex, name: string, template?: string): Promise<void> {
  const from = template ? ` TEMPLATE "${template}"` : ''
  await superuser.raw(`CREATE DATABASE "${name}" OWNER ${OWNER_ROLE}${from}`)
  // PG15+ no longer lets PUBLIC create in schema public; the owner needs it for migrations.
  await superuser.raw(`GRANT CONNECT ON DATABASE "${name}" TO ${RUNTIME_GROUP}`)
}

export function withCredentials(url: string, database: string, user: string, password: string): string {
  const u = new URL(url)
  u.username = user
  u.password = password
  u.pathname = `/${database}`
  return u.toString()
}

export interface RuntimeRoleFacts {
  rolname: string
  rolsuper: boolean
  rolbypassrls: boolean
  ownedTables: number
}

export async function runtimeRoleFacts(db: Knex): Promise<RuntimeRoleFacts> {
  const { rows } = await db.raw<{ rows: RuntimeRoleFacts[] }>(`
    SELECT r.rolname, r.rolsuper, r.rolbypassrls,
      (SELECT count(*)::int FROM pg_class c
        WHERE c.relowner = r.oid AND c.relkind IN ('r', 'p')) AS "ownedTables"
    FROM pg_roles r WHERE r.rolname = current_user`)
  const facts = rows[0]
  if (!facts) throw new Error('could not read the current role')
  return facts
}

/** Row-level security only protects us when the runtime role cannot step around it. */
export function unsafeRuntimeRoleReason(facts: RuntimeRoleFacts): string | undefined {
  if (facts.rolsuper) return `database role ${facts.rolname} is a superuser`
  if (facts.rolbypassrls) return `database role ${facts.rolname} has BYPASSRLS`
  if (facts.ownedTables > 0) return `database role ${facts.rolname} owns ${facts.ownedTables} tables`
  return undefined
}
