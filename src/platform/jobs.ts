import { PgBoss } from 'pg-boss'
import type { Knex } from 'knex'
import { JOBS_SCHEMA } from '../db/jobs.ts'
import { withTenant } from '../db/tenant-scope.ts'

/** `sendOnly` is for scripts: they queue jobs (e.g. mail) and leave running them to the app. */
export function createBoss(
  url: string,
  onError: (err: Error) => void,
  options: { sendOnly?: boolean } = {},
): PgBoss {
  const boss = new PgBoss({
    connectionString: url,
    schema: JOBS_SCHEMA,
    migrate: false,
    schedule: !options.sendOnly,
    supervise: !options.sendOnly,
    max: options.sendOnly ? 1 : 4,
  })
  boss.on('error', onError)
  return boss
}

/**
 * pg-boss can insert its job through our transaction's own connection (its `db`
 * option), so the outbox row and the job that sends it commit or roll back together.
 * Knex does not hand out a transaction's connection publicly; acquireConnection() on a
 * transaction's client returns that connection and never a pooled one.
 */
function transactionDb(trx: Knex.Transaction) {
  return {
    async executeSql(text: string, values?: unknown[]) {
      const client = trx.client as {
        acquireConnection(): Promise<{ query(t: string, v?: unknown[]): Promise<{ rows: unknown[] }> }>
      }
      const connection = await client.acquireConnection()
      return connection.query(text, values)
    },
  }
}

/** Queues a job that commits or rolls back with the caller's transaction. */
export async function sendJob(
  boss: PgBoss,
  trx: Knex.Transaction,
  queue: string,
  data: object,
  options: { singletonKey?: string; startAfter?: number } = {},
): Promise<void> {
  await boss.send(queue, data, { ...options, db: transactionDb(trx) })
}

/**
 * An hourly sweep of every tenant's old rows of one table (one-time form tokens, live
 * events): rows whose `column` is older than `keepMs` go, tenant by tenant under RLS.
 */
export async function scheduleSweep(
  boss: PgBoss,
  sweep: { queue: string; cron: string; table: string; column: string; keepMs: number },
  db: Knex,
  now: () => Date,
  tenantIds: () => Promise<string[]>,
): Promise<void> {
  await boss.schedule(sweep.queue, sweep.cron)
  await boss.work(sweep.queue, async () => {
    await sweepOlderThan(
      db,
      await tenantIds(),
      sweep.table,
      sweep.column,
      new Date(now().getTime() - sweep.keepMs),
    )
  })
}

export async function sweepOlderThan(
  db: Knex,
  tenantIds: string[],
  table: string,
  column: string,
  before: Date,
): Promise<number> {
  let removed = 0
  for (const tenantId of tenantIds)
    removed += await withTenant(db, tenantId, (trx) => trx(table).where(column, '<', before).delete())
  return removed
}
