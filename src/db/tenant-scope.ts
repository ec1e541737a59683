import type { Knex } from 'knex'

/**
 * Runs `fn` in a transaction whose row-level-security context is `tenantId`.
 * `set_config(..., true)` is transaction-local, so a pooled connection never carries a
 * tenant into the next transaction; this is the only place the setting is written.
 */
export async function withTenant<T>(
  db: Knex,
  tenantId: string,
  fn: (trx: Knex.Transaction) => Promise<T>,
): Promise<T> {
  return db.transaction(async (trx) => {
    await trx.raw(`select set_config('app.tenant_id', ?, true)`, [tenantId])
    return fn(trx)
  })
}
