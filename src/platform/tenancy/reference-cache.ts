/**
 * NOTIFY channel: a tenant's reference data changed. Sent by a trigger on each cached table
 * (payload "<table>:<tenant id>"), so every write — a page, a seed, a migration, psql — is
 * heard by every process, and delivered on commit only.
 */
export const REFERENCE_CHANGED = 'reference_changed'

/**
 * Per-process copies of small per-tenant tables that nearly every page reads and that
 * change seldom (application types), forgotten when their trigger's NOTIFY arrives (or
 * all of them after the listener reconnects: changes made meanwhile were not heard). The
 * values are shared between requests: callers never change them.
 */
export interface ReferenceCache {
  /**
   * The cached value of `table` for the tenant, loaded when missing. `part` keeps one value
   * per part of the table (a person's standing towards an account), all forgotten together
   * with the table's; `fresh` says whether a value still holds now (one that ends at a time
   * is loaded again after it), and a value it refuses is never kept.
   */
  get<T>(
    tenantId: string,
    table: string,
    load: () => Promise<T>,
    options?: { part?: string; fresh?: (value: T) => boolean },
  ): Promise<T>
  /** A change was heard: "<table>:<tenant id>". */
  changed(payload: string): void
  /**
   * The writer's own change: `changed(payload)` in this process once `trx` commits, so its
   * next request (a redirect away) reads its own write without waiting for the trigger's
   * NOTIFY. A rollback tells nobody. Works inside a caller's transaction as well as one's own.
   */
  changedOnCommit(trx: Committing, payload: string): void
  clear(): void
}

/** A transaction as far as `changedOnCommit` needs it (knex's: settles when it commits or rolls back). */
export type Committing = { executionPromise: Promise<unknown> }

export function createReferenceCache(maxEntries = 5_000): ReferenceCache {
  const values = new Map<string, unknown>()
  // A load that started before a change must not store what it read: it may predate it.
  let generation = 0
  const changed = (payload: string) => {
    generation++
    values.delete(payload)
    // Changes are rare next to reads: a scan of the parts is cheap where it happens.
    for (const key of values.keys()) if (key.startsWith(`${payload}:`)) values.delete(key)
  }
  return {
    async get<T>(
      tenantId: string,
      table: string,
      load: () => Promise<T>,
      options: { part?: string; fresh?: (value: T) => boolean } = {},
    ): Promise<T> {
      const fresh = options.fresh ?? (() => true)
      const key = options.part ? `${table}:${tenantId}:${options.part}` : `${table}:${tenantId}`
      if (values.has(key) && fresh(values.get(key) as T)) return values.get(key) as T
      const started = generation
      const value = await load()
      if (generation === started && fresh(value)) {
        if (values.size >= maxEntries) values.clear()
        values.set(key, value)
      } else values.delete(key)
      return value
    },
    changed,
    changedOnCommit(trx, payload) {
      trx.executionPromise.then(
        () => changed(payload),
        () => {},
      )
    },
    clear() {
      generation++
      values.clear()
    },
  }
}

/** Who hears of a change of a kept row in this process (`keptRow`): the writer's cache. */
export type RowsHeard = { reference: Pick<ReferenceCache, 'changed' | 'changedOnCommit'> }

/**
 * Tells this process that `rows` of `table` changed: their kept copies go at the commit of
 * `db` when it is a transaction, at once when it is not (the statement has committed). The
 * other processes hear it from the table's row trigger (`notify_row_changed`).
 */
export function rowsChanged(
  heard: RowsHeard,
  db: object,
  table: string,
  rows: readonly { tenant_id: string; id: string }[],
): void {
  for (const row of rows) {
    const payload = `${table}:${row.tenant_id}:${row.id}`
    if ('executionPromise' in db) heard.reference.changedOnCommit(db as Committing, payload)
    else heard.reference.changed(payload)
  }
}

/**
 * One row of `table` by id (the signed-in customer, the signed-in staff member), kept per
 * process: forgotten when `rowsChanged` or the table's row trigger says so, on a listener
 * reconnect, after `keptMs` at most, or at once with `reread`. The kept row is frozen and
 * each caller gets a copy of its own, which a request may change without touching the next
 * request's. A row that is not there is never kept.
 */
export async function keptRow<T extends object>(
  deps: { reference: ReferenceCache; clock: { now(): Date } },
  tenantId: string,
  table: string,
  id: string,
  load: () => Promise<T | undefined>,
  options: { keptMs: number; reread?: boolean },
): Promise<T | undefined> {
  if (options.reread) deps.reference.changed(`${table}:${tenantId}:${id}`)
  const kept = await deps.reference.get(
    tenantId,
    table,
    async () => {
      const row = await load()
      return row && { row: Object.freeze(row), until: deps.clock.now().getTime() + options.keptMs }
    },
    { part: id, fresh: (v) => v !== undefined && deps.clock.now().getTime() < v.until },
  )
  return kept && { ...kept.row }
}
