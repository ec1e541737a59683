import { PgBoss } from 'pg-boss'
import type { Knex } from 'knex'
import { RUNTIME_GROUP } from './roles.ts'

/** The platform's own queues; each module declares its own (KabinetModule.queues). */
export const QUEUES = {
  mailSend: 'mail.send',
  sweepOrphanFiles: 'files.sweep-orphans',
  forgetSubmissions: 'forms.forget-submissions',
  forgetLiveEvents: 'live.forget-events',
} as const

export const PLATFORM_QUEUES: readonly string[] = Object.values(QUEUES)

export const JOBS_SCHEMA = 'pgboss'

/**
 * Installs or upgrades pg-boss's schema and queues as the owner role, as part of
 * migrating. The runtime role only ever reads and writes rows there (`migrate: false`),
 * so it owns no table, pg-boss's included.
 */
export async function installJobs(ownerUrl: string, owner: Knex, queues: readonly string[]): Promise<void> {
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
    for (const name of new Set([...PLATFORM_QUEUES, ...queues])) {
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
