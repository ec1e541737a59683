import { createHash } from 'node:crypto'
import { createRequire } from 'node:module'

/**
 * Every statement with parameters is sent as a named prepared statement, its name the hash
 * of its text, so a connection parses, analyses and rewrites it (row-level security adds
 * its policies there) once, and Postgres may keep a generic plan after five runs. Measured
 * (issue 18): a customer's row by id costs 242 µs of the portal's CPU and 670 µs to answer
 * unnamed, 41 µs and 101 µs named; pages gain 14–31 % in requests a second. Lists ask
 * for plans per value (`planForEachValue`).
 *
 * - Each connection keeps at most `MAX_PER_CONNECTION` of them; past that a statement goes
 *   unnamed, as before (texts vary with the length of an IN list, so their number has no
 *   bound of its own). A connection that idles out of the pool takes its statements along.
 * - A prepared `select *` fails once its table has gained or lost a column ("cached plan
 *   must not change result type"). So a migration ends with a NOTIFY on which every process
 *   lets its older connections go as they come back to the pool; should a statement still
 *   meet the error (a request running across the migration), its connection is let go, and
 *   outside a transaction the statement is sent again unnamed. Inside one it fails with it,
 *   as any statement may while a migration runs.
 */
export const MAX_PER_CONNECTION = 200

const require = createRequire(import.meta.url)

interface KnexQuery {
  sql: string
  bindings?: unknown[]
  options?: Record<string, unknown>
}

interface PgConnection {
  connection: { parsedStatements: Record<string, string> }
  __knexTxId?: string
}

interface ClientBase {
  _query(connection: PgConnection, obj: KnexQuery): Promise<KnexQuery>
}

// knex publishes no types for its dialect files; the shape above is the part used.
const ClientPG = require('knex/lib/dialects/postgres/index.js') as new (config: unknown) => ClientBase

const names = new Map<string, string>()

/** The name a statement's text is prepared under. */
export function statementName(sql: string): string {
  let name = names.get(sql)
  if (name === undefined) {
    name = `k${createHash('sha256').update(sql).digest('hex').slice(0, 32)}`
    // The texts are the code's own (values travel as parameters), so the map stays small;
    // the bound is for code that builds texts in a loop.
    if (names.size >= 10_000) names.clear()
    names.set(sql, name)
  }
  return name
}

const RESULT_TYPE_CHANGED = '0A000'
/** A cursor's text carries its random name: each would be prepared once and never again. */
const CURSOR = /^\s*declare\s/i

/**
 * The statements after this in the transaction are planned for their values each time,
 * never with a generic plan: for lists, whose filters (a status, a type, dates, a search)
 * change how many rows match by orders of magnitude. A plan made for average values read
 * all of a tenant's 10,000 applications for a type that 500 have (the plan check caught
 * it). `paginate` does it for every list it pages.
 */
export async function planForEachValue(db: { raw(sql: string): PromiseLike<unknown> }): Promise<void> {
  await db.raw('SET LOCAL plan_cache_mode = force_custom_plan')
}

/** Bumped when a migration ran (its NOTIFY, heard by every process): older connections are let go. */
let schemaGeneration = 0
const GENERATION = Symbol('schema generation')
const STALE = Symbol('stale statements')

export const SCHEMA_CHANGED = 'schema_changed'

export function schemaChanged(): void {
  schemaGeneration++
}

/** For the pool: a new connection belongs to the schema as it is now. */
export function stampConnection(connection: object): void {
  ;(connection as Record<symbol, unknown>)[GENERATION] = schemaGeneration
}

/** For the pool's check before lending a connection: false once its prepared statements may be stale. */
export function statementsFresh(connection: object): boolean {
  const c = connection as Record<symbol, unknown>
  return c[STALE] !== true && (c[GENERATION] ?? schemaGeneration) === schemaGeneration
}

export class PreparingPgClient extends ClientPG {
  override async _query(connection: PgConnection, obj: KnexQuery): Promise<KnexQuery> {
    if (!obj.bindings?.length || obj.options?.name !== undefined || CURSOR.test(obj.sql))
      return super._query(connection, obj)
    const name = statementName(obj.sql)
    const known = connection.connection.parsedStatements
    if (!(name in known) && Object.keys(known).length >= MAX_PER_CONNECTION)
      return super._query(connection, obj)
    const options = obj.options
    obj.options = { ...options, name }
    try {
      return await super._query(connection, obj)
    } catch (err) {
      const e = err as { code?: string; routine?: string }
      if (e.code !== RESULT_TYPE_CHANGED || e.routine !== 'RevalidateCachedQuery') throw err
      // The pool lets this connection go; outside a transaction the statement goes again, unnamed.
      ;(connection as unknown as Record<symbol, unknown>)[STALE] = true
      if (connection.__knexTxId !== undefined) throw err
      obj.options = options
      return super._query(connection, obj)
    }
  }
}
