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
  get<T>(tenantId: string, table: string, load: () => Promise<T>): Promise<T>
  /** A change was heard: "<table>:<tenant id>". The writing process calls it too, after commit, to read its own write at once. */
  changed(payload: string): void
  clear(): void
}

export function createReferenceCache(maxEntries = 5_000): ReferenceCache {
  const values = new Map<string, unknown>()
  // A load that started before a change must not store what it read: it may predate it.
  let generation = 0
  return {
    async get<T>(tenantId: string, table: string, load: () => Promise<T>): Promise<T> {
      const key = `${table}:${tenantId}`
      if (values.has(key)) return values.get(key) as T
      const started = generation
      const value = await load()
      if (generation === started) {
        if (values.size >= maxEntries) values.clear()
        values.set(key, value)
      }
      return value
    },
    changed(payload) {
      generation++
      values.delete(payload)
    },
    clear() {
      generation++
      values.clear()
    },
  }
}
