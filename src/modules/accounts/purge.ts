import type { Knex } from 'knex'
import type { Logger } from 'pino'
import type { PgBoss } from 'pg-boss'
import { withTenant } from '../../db/tenant-scope.ts'
import type { Clock } from '../../platform/clock.ts'
import { ACCOUNT_QUEUES } from './queues.ts'
import { listTenants } from '../../platform/tenancy/repo.ts'
import { purgeExpiredPending } from './repo.ts'
import { PENDING_DAYS } from './registration.service.ts'

/** Removes accounts whose email was never confirmed within PENDING_DAYS, tenant by tenant. */
export async function purgePendingAccounts(db: Knex, clock: Clock): Promise<number> {
  const cutoff = new Date(clock.now().getTime() - PENDING_DAYS * 86_400_000)
  let removed = 0
  for (const tenant of await listTenants(db)) {
    removed += await withTenant(db, tenant.id, (trx) => purgeExpiredPending(trx, cutoff))
  }
  return removed
}

export async function schedulePendingPurge(
  boss: PgBoss,
  db: Knex,
  clock: Clock,
  logger: Logger,
): Promise<void> {
  await boss.schedule(ACCOUNT_QUEUES.purgePendingAccounts, '17 * * * *')
  await boss.work(ACCOUNT_QUEUES.purgePendingAccounts, async () => {
    const removed = await purgePendingAccounts(db, clock)
    if (removed) logger.info({ removed }, 'removed unconfirmed accounts')
  })
}
