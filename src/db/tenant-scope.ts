import { AsyncLocalStorage } from 'node:async_hooks'
import type { Knex } from 'knex'

/**
 * Runs `fn` in a transaction whose row-level-security context is `tenantId`.
 * `set_config(..., true)` is transaction-local, so a pooled connection never carries a
 * tenant into the next transaction; this and the read scope below are the only places the
 * setting is written.
 *
 * Inside a request's read scope (a GET's, see `readScope`) the call joins the request's
 * one read-only transaction instead of opening its own.
 */
export async function withTenant<T>(
  db: Knex,
  tenantId: string,
  fn: (trx: Knex.Transaction) => Promise<T>,
): Promise<T> {
  const scope = scopes.getStore()
  if (scope?.serves(db, tenantId)) return scope.run(fn)
  return ownTransaction(db, tenantId, fn)
}

/**
 * Always a transaction of its own, also inside a read scope: for the few writes a GET makes
 * on purpose (the language link on a signed-in page), which a read-only scope would refuse.
 */
export function withOwnTransaction<T>(
  db: Knex,
  tenantId: string,
  fn: (trx: Knex.Transaction) => Promise<T>,
): Promise<T> {
  // The scope's connection goes back first: one request never holds two.
  scopes.getStore()?.release()
  return ownTransaction(db, tenantId, fn)
}

function ownTransaction<T>(
  db: Knex,
  tenantId: string,
  fn: (trx: Knex.Transaction) => Promise<T>,
): Promise<T> {
  return db.transaction(async (trx) => {
    await setTenant(trx, tenantId)
    return fn(trx)
  })
}

const setTenant = (trx: Knex.Transaction, tenantId: string) =>
  trx.raw(`select set_config('app.tenant_id', ?, true)`, [tenantId])

const scopes = new AsyncLocalStorage<ReadScope>()

/**
 * One request's reads in one transaction (issue 18): a GET page that asks four services for
 * data pays one BEGIN, one set_config and one COMMIT instead of four of each.
 *
 * - Read only: a write inside it fails in Postgres (25006), so "GET never writes" is checked
 *   by the database; the deliberate exceptions use `withOwnTransaction`.
 * - Opened on first use and committed before the page renders or any header is sent, so a
 *   slow client never holds it. A request that stops reading without answering (waiting on
 *   something else) gives it back after `IDLE_MS` of a free event loop, so a request that
 *   holds it idle and asks the pool for a second connection cannot starve the pool; the
 *   next read opens a new one.
 *   (Not on the next turn of the event loop: Express leaves every router a request passes
 *   through on a setImmediate, so consecutive reads would seldom share it.)
 * - A failed call rolls it back (a database error leaves a transaction unusable); the next
 *   call opens a new one.
 * - Only for the tenant it was opened for and the runtime pool: anything else gets its own
 *   transaction, as outside a scope.
 */
const IDLE_MS = 20
const MAX_LATE_FIRINGS = 3

export class ReadScope {
  private trx: Promise<Knex.Transaction> | undefined
  private active = 0
  private idleTimer: NodeJS.Timeout | undefined
  private closed = false
  private readonly db: Knex
  private readonly tenantId: string
  private readonly open: () => boolean

  constructor(db: Knex, tenantId: string, open: () => boolean) {
    this.db = db
    this.tenantId = tenantId
    this.open = open
  }

  serves(db: Knex, tenantId: string): boolean {
    return !this.closed && db === this.db && tenantId === this.tenantId && this.open()
  }

  async run<T>(fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    this.active++
    let failed = false
    try {
      this.trx ??= this.begin()
      return await fn(await this.trx)
    } catch (err) {
      failed = true
      throw err
    } finally {
      this.active--
      if (failed) this.end('rollback')
      else if (this.active === 0) {
        if (this.closed) this.end('commit')
        else this.whenIdle()
      }
    }
  }

  /** Ends the scope's transaction now unless a read is running; a later read opens a new one. */
  release(): void {
    if (this.active === 0) this.end('commit')
  }

  /**
   * No further reads join the scope (the response is complete, or its client went away).
   * A read still running finishes in its transaction, which ends with it: ending it under
   * the read would fail the request with "Transaction query already complete" and log a
   * client that closed a tab mid-page as a server error.
   */
  close(): void {
    this.closed = true
    if (this.active === 0) this.end('commit')
  }

  private async begin(): Promise<Knex.Transaction> {
    const trx = await this.db.transaction(null, { readOnly: true })
    try {
      await setTenant(trx, this.tenantId)
    } catch (err) {
      await trx.rollback().catch(() => {})
      throw err
    }
    return trx
  }

  private whenIdle(lateFirings = 0): void {
    clearTimeout(this.idleTimer)
    const armed = performance.now()
    this.idleTimer = setTimeout(() => {
      if (this.active !== 0) return
      // A timer that fires late fires after a busy event loop (another request's render, a
      // collection), which gave the request no turn to make its next read: that is not the
      // request standing idle, so it gets its wait again on a free loop — a few times at
      // most, so a loop busy for good still hands the connection back.
      const late = performance.now() - armed >= 2 * IDLE_MS
      if (late && lateFirings < MAX_LATE_FIRINGS) this.whenIdle(lateFirings + 1)
      else this.end('commit')
    }, IDLE_MS)
    this.idleTimer.unref()
  }

  private end(how: 'commit' | 'rollback'): void {
    clearTimeout(this.idleTimer)
    const pending = this.trx
    this.trx = undefined
    if (!pending) return
    // A read-only transaction loses nothing either way; a failed COMMIT only means the
    // connection went away, and knex drops such a connection from the pool.
    void pending.then((trx) => (how === 'commit' ? trx.commit() : trx.rollback())).catch(() => {})
  }
}

/** Runs `fn` (the rest of a request) with `scope` as the request's read scope. */
export function inReadScope<T>(scope: ReadScope, fn: () => T): T {
  return scopes.run(scope, fn)
}
