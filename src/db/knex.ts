import { randomBytes } from 'node:crypto'
import knex, { type Knex } from 'knex'
import pg from 'pg'
import { PreparingPgClient, stampConnection, statementsFresh } from './statements.ts'

export type Db = Knex | Knex.Transaction

// Business days are `date` columns; keeping them as 'YYYY-MM-DD' strings avoids the
// server's time zone shifting them when pg would build a JS Date at local midnight.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value)
// Schedules store energy as numeric[] (exact in the database, summed there); the values
// are entered and shown to a precision of at most a few decimals, which a JS number holds
// exactly, so arrays read as numbers. A single numeric (money, capacity) stays a string.
const NUMERIC_ARRAY = 1231 as (typeof pg.types.builtins)[keyof typeof pg.types.builtins]
pg.types.setTypeParser(NUMERIC_ARRAY, (value) =>
  value === '{}'
    ? []
    : value
        .slice(1, -1)
        .split(',')
        .map((v) => (v === 'NULL' ? null : Number(v))),
)

/** True for a unique-key violation (of the named index, when one is given). */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint?: string }
  return e?.code === '23505' && (constraint === undefined || e.constraint === constraint)
}

/** An ILIKE pattern matching `term` anywhere, with the user's own % and _ taken literally. */
export function containing(term: string): string {
  return `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
}

/**
 * Between a request and Postgres every wait is bounded, so that a database that is down,
 * restarting or frozen (a stopped VM, a full disk) answers 503 within ~5 s instead of
 * hanging: connecting, waiting for a pooled connection, and waiting for an answer (on the
 * client side, since a frozen server enforces nothing). The server-side limits stop work
 * that nobody waits for any more.
 */
export const DB_TIMEOUTS = {
  connectMs: 2_000,
  acquireMs: 3_000,
  /** Client side: no answer in this time fails the query (and its connection is dropped). */
  queryMs: 4_000,
  statementMs: 10_000,
  idleInTransactionMs: 10_000,
} as const

export interface DbOptions {
  poolMax?: number
  /** Client-side answer timeout; migrations and scripts may need longer than requests. */
  queryTimeoutMs?: number
  applicationName?: string
  /** Where knex's own warnings go (pool errors, acquire timeouts); silent when omitted. */
  log?: (level: 'warn' | 'error', message: string) => void
}

/**
 * A connection still waiting for an answer it gave up on is not handed out again, nor one
 * whose prepared statements may predate a migration (statements.ts).
 */
const usable = (connection: { readyForQuery?: boolean }) =>
  connection.readyForQuery === true && statementsFresh(connection)

export function createKnex(url: string, options: DbOptions = {}): Knex {
  return knex({
    // knex's pg dialect, sending statements with parameters as named prepared ones.
    client: PreparingPgClient as unknown as typeof knex.Client,
    connection: {
      connectionString: url,
      application_name: options.applicationName ?? 'kabinet',
      statement_timeout: DB_TIMEOUTS.statementMs,
      idle_in_transaction_session_timeout: DB_TIMEOUTS.idleInTransactionMs,
      query_timeout: options.queryTimeoutMs ?? DB_TIMEOUTS.queryMs,
      connectionTimeoutMillis: DB_TIMEOUTS.connectMs,
    },
    pool: {
      min: 0,
      max: options.poolMax ?? 10,
      idleTimeoutMillis: 30_000,
      validate: usable,
      afterCreate: (connection: object, done: (err: Error | null, connection: object) => void) => {
        stampConnection(connection)
        done(null, connection)
      },
      destroyTimeoutMillis: 1_000,
    },
    acquireConnectionTimeout: DB_TIMEOUTS.acquireMs,
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
    connectionTimeoutMillis: DB_TIMEOUTS.connectMs,
    statement_timeout: DB_TIMEOUTS.statementMs,
    idle_in_transaction_session_timeout: DB_TIMEOUTS.idleInTransactionMs,
    query_timeout: DB_TIMEOUTS.queryMs,
    application_name: 'kabinet',
  })
  // Without a listener an idle client's error (e.g. the database restarting) would
  // be an uncaught 'error' event and take the whole process down.
  pool.on('error', onError)
  return pool
}

/**
 * The rows of a query through a server-side cursor, a batch at a time: each row is read
 * once (OFFSET would read every earlier row again for each batch) and the view is the
 * transaction's snapshot. The cursor lives as long as `trx`: read to the end, promptly.
 */
export async function* cursorRows<T>(
  trx: Knex.Transaction,
  query: Knex.QueryBuilder,
  size = 1_000,
): AsyncGenerator<T> {
  const { sql, bindings } = query.toSQL()
  const cursor = `rows_${randomBytes(6).toString('hex')}`
  await trx.raw(`DECLARE ${cursor} NO SCROLL CURSOR FOR ${sql}`, bindings)
  for (;;) {
    const { rows } = await trx.raw<{ rows: T[] }>(`FETCH ${size} FROM ${cursor}`)
    yield* rows
    if (rows.length < size) break
  }
  await trx.raw(`CLOSE ${cursor}`)
}
