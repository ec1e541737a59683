import { PgBoss } from 'pg-boss'
import type { Knex } from 'knex'
import { RUNTIME_GROUP } from '../db/roles.ts'

export const QUEUES = {
  mailSend: 'mail.send',
  passwordResetRequest: 'accounts.password-reset-request',
  purgePendingAccounts: 'accounts.purge-pending',
  sweepOrphanFiles: 'files.sweep-orphans',
  forgetSubmissions: 'forms.forget-submissions',
} as const

export const JOBS_SCHEMA = 'pgboss'

/**
 * Installs or upgrades pg-boss's schema and queues as the owner role, as part of
 * migrating. The runtime role only ever reads and writes rows there (`migrate: false`),
 * so it owns no table, pg-boss's included.
 */
export async function installJobs(ownerUrl: string, owner: Knex): Promise<void> {
  const boss = new PgBoss({
    connectionString: ownerUrl,
    schema: JOBS_SCHEMA,
    migrate: true,
    supervise: false,
    schedule: false,
    max: 2,
  })
  boss.on('error', () => {})
  await boss.start()
  try {
    for (const name of Object.values(QUEUES)) {
      if (!(await boss.getQueue(name))) {
        await boss.createQueue(name, { retryLimit: 8, retryDelay: 5, retryBackoff: true, retryDelayMax: 600 })
      }
    }
  } finally {
    await boss.stop({ graceful: false })
  }
  await owner.raw(`GRANT USAGE ON SCHEMA ${JOBS_SCHEMA} TO ${RUNTIME_GROUP}`)
  await owner.raw(
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${JOBS_SCHEMA} TO ${RUNTIME_GROUP}`,
  )
  await owner.raw(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${JOBS_SCHEMA} TO ${RUNTIME_GROUP}`)
  await owner.raw(`GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA ${JOBS_SCHEMA} TO ${RUNTIME_GROUP}`)
}

export function createBoss(url: string, onError: (err: Error) => void): PgBoss {
  const boss = new PgBoss({
    connectionString: url,
    schema: JOBS_SCHEMA,
    migrate: false,
    schedule: true,
    max: 4,
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
  options: { singletonKey?: string } = {},
): Promise<void> {
  await boss.send(queue, data, { ...options, db: transactionDb(trx) })
}
