import knex, { type Knex } from 'knex'
import pg from 'pg'

export type Db = Knex | Knex.Transaction

// Business days are `date` columns; keeping them as 'YYYY-MM-DD' strings avoids the
// server's time zone shifting them when pg would build a JS Date at local midnight.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value)

/** True for a unique-key violation (of the named index, when one is given). */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint?: string }
  return e?.code === '23505' && (constraint === undefined || e.constraint === constraint)
}

/** An ILIKE pattern matching `term` anywhere, with the user's own % and _ taken literally. */
export function containing(term: string): string {
  return `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
}

export interface DbOptions {
  poolMax?: number
  applicationName?: string
  /** Where knex's own warnings go (pool errors, acquire timeouts); silent when omitted. */
  log?: (level: 'warn' | 'error', message: string) => void
}

/**
 * Statement and acquire timeouts make a stopped or restarting database answer quickly
 * with an error (and /readyz with 503) instead of leaving requests hanging.
 */
export function createKnex(url: string, options: DbOptions = {}): Knex {
  return knex({
    client: 'pg',
    connection: {
      connectionString: url,
      application_name: options.applicationName ?? 'kabinet',
      statement_timeout: 10_000,
      connectionTimeoutMillis: 3_000,
    },
    pool: { min: 0, max: options.poolMax ?? 10, idleTimeoutMillis: 30_000 },
    acquireConnectionTimeout: 5_000,
    log: {
      warn: (m: string) => options.log?.('warn', String(m)),
      error: (m: string) => options.log?.('error', String(m)),
      deprecate: () => {},
      debug: () => {},
    },
  })
}

/** A plain pg pool for libraries that want one (sessions, rate limits). */
export function createPgPool(url: string, onError: (err: Error) => void, max = 5): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: 3_000,
    statement_timeout: 10_000,
    application_name: 'kabinet',
  })
  // Without a listener an idle client's error (e.g. the database restarting) would
  // be an uncaught 'error' event and take the whole process down.
  pool.on('error', onError)
  return pool
}
