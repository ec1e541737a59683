import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { Config } from '../config.ts'
import { startEmbeddedPostgres, type EmbeddedCluster } from './embedded.ts'
import { createKnex } from './knex.ts'
import { APP_ROLE, OWNER_ROLE, createDatabase, ensureRoles, withCredentials } from './roles.ts'

export interface DatabaseUrls {
  runtimeUrl: string
  ownerUrl: string
  embedded?: EmbeddedCluster
}

const DATABASE = 'kabinet'

/**
 * With DATABASE_URL set, use it (and MIGRATION_DATABASE_URL for the owner). Without it,
 * start the embedded PostgreSQL in ./var/postgres and create the two roles and the
 * database there, so `npm start` needs nothing installed but Node.
 */
export async function resolveDatabase(config: Config, onLog?: (line: string) => void): Promise<DatabaseUrls> {
  if (config.databaseUrl) {
    return { runtimeUrl: config.databaseUrl, ownerUrl: config.migrationDatabaseUrl ?? config.databaseUrl }
  }
  const cluster = await startEmbeddedPostgres(path.join(config.varDir, 'postgres'), { onLog })
  const secrets = rolePasswords(path.join(config.varDir, 'postgres-roles.json'))
  const superuser = createKnex(cluster.url, { poolMax: 1, queryTimeoutMs: 0 })
  try {
    await ensureRoles(superuser, secrets)
    const { rows } = await superuser.raw<{ rows: unknown[] }>('SELECT 1 FROM pg_database WHERE datname = ?', [
      DATABASE,
    ])
    if (rows.length === 0) await createDatabase(superuser, DATABASE)
  } finally {
    await superuser.destroy()
  }
  return {
    runtimeUrl: withCredentials(cluster.url, DATABASE, APP_ROLE, secrets.app),
    ownerUrl: withCredentials(cluster.url, DATABASE, OWNER_ROLE, secrets.owner),
    embedded: cluster,
  }
}

function rolePasswords(file: string): { owner: string; app: string } {
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as { owner: string; app: string }
  const secrets = { owner: randomBytes(18).toString('base64url'), app: randomBytes(18).toString('base64url') }
  writeFileSync(file, JSON.stringify(secrets), { mode: 0o600 })
  return secrets
}
