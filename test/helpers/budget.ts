import type { Deps } from '../../src/deps.ts'

/** What one request cost in database round trips: every statement, and the transactions among them. */
export interface Cost {
  statements: number
  transactions: number
  /** The page's own queries: what knex sent, less the transactions' BEGIN, set_config and COMMIT. */
  queries: number
  sql: string[]
}

const CEREMONY = /^\s*(begin|commit|rollback)\b|^select set_config\('app\.tenant_id'/i

/**
 * Counts the statements `run` makes `app` send — through knex and through the pool the
 * session store and throttles use — like Django's assertNumQueries. Measure on an app
 * process that runs no jobs, so every statement counted is the request's.
 */
export async function costOf(
  app: { deps: Pick<Deps, 'db' | 'pool'> },
  run: () => Promise<unknown>,
): Promise<Cost> {
  const sql: string[] = []
  let queries = 0
  const onQuery = (q: { sql: string }) => {
    sql.push(q.sql)
    if (!CEREMONY.test(q.sql)) queries++
  }
  const pool = app.deps.pool as unknown as { query: (...args: unknown[]) => unknown }
  const query = pool.query
  pool.query = (...args: unknown[]) => {
    const text = args[0]
    sql.push(typeof text === 'string' ? text : ((text as { text?: string })?.text ?? '?'))
    return query.apply(app.deps.pool, args)
  }
  app.deps.db.on('query', onQuery)
  try {
    await run()
  } finally {
    app.deps.db.off('query', onQuery)
    pool.query = query
  }
  return {
    statements: sql.length,
    transactions: sql.filter((s) => /^\s*begin\b/i.test(s)).length,
    queries,
    sql,
  }
}
