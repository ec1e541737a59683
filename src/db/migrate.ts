import { readdirSync } from 'node:fs'
import path from 'node:path'
import type { Knex } from 'knex'
import pg from 'pg'
import { installJobs } from './jobs.ts'
import { createKnex } from './knex.ts'
import { SCHEMA_CHANGED } from './statements.ts'

export const MIGRATIONS_DIR = path.resolve(import.meta.dirname, '../../migrations')

export const migrationConfig: Knex.MigratorConfig = {
  directory: MIGRATIONS_DIR,
  loadExtensions: ['.ts'],
  tableName: 'knex_migrations',
}

/**
 * Runs as the owner role: the only role that may change the schema. `queues` are the
 * modules' job queues (registry.ts `moduleQueues()`), created here since only the owner may.
 */
export async function migrate(ownerUrl: string, queues: readonly string[]): Promise<string[]> {
  // Replicas started together, or a CLI run beside a starting portal, take turns.
  return exclusively(ownerUrl, 'migrate', async () => {
    const owner = createKnex(ownerUrl, { poolMax: 2, applicationName: 'kabinet-migrate', queryTimeoutMs: 0 })
    try {
      const [, applied] = (await owner.migrate.latest(migrationConfig)) as [number, string[]]
      // Running processes let their connections' prepared statements go (statements.ts).
      if (applied.length > 0) await owner.raw('select pg_notify(?, ?)', [SCHEMA_CHANGED, ''])
      await installJobs(ownerUrl, owner, queues)
      return applied
    } finally {
      await owner.destroy()
    }
  })
}

/**
 * Runs `fn` while holding the database-wide advisory lock `name`, so that processes doing
 * the same start-up work at the same moment do it one after the other (knex's own
 * migration lock makes the second one fail instead of wait). The lock is a session lock on
 * a connection of its own, released by Postgres if this process dies holding it. Never
 * nest two calls with the same name: the inner one would wait for the outer for ever.
 */
export async function exclusively<T>(ownerUrl: string, name: string, fn: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ownerUrl, application_name: `kabinet-${name}` })
  await client.connect()
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [`kabinet:${name}`])
    return await fn()
  } finally {
    await client.end()
  }
}

/**
 * Names of migrations on disk that the database has not run yet. Read directly rather
 * than through knex's migrator, which wants to create its lock table: the runtime role
 * may only read the list.
 */
export async function pendingMigrations(db: Knex): Promise<string[]> {
  const onDisk = readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.ts'))
  const rows = await db('knex_migrations').select<{ name: string }[]>('name')
  const applied = new Set(rows.map((r) => r.name))
  return onDisk.filter((f) => !applied.has(f))
}
