import type { Knex } from 'knex'
import type { Logger } from 'pino'
import type { PgBoss } from 'pg-boss'
import { withTenant } from '../../db/tenant-scope.ts'
import type { Clock } from '../clock.ts'
import { QUEUES } from '../../db/jobs.ts'
import type { Db } from '../../db/knex.ts'
import type { RequestContext } from '../context.ts'
import type { AcceptedFile } from './sniff.ts'
import { isUuid } from '../ids.ts'
import type { FileStorage } from './storage.ts'

export interface FileRecord {
  id: string
  storageKey: string
  sha256: string
  size: number
  mediaType: string
  originalName: string
}

/** A `files` row as the database returns it. */
export interface FileRow {
  id: string
  storage_key: string
  sha256: string
  size_bytes: string
  media_type: string
  original_name: string
}

export const toFileRecord = (row: FileRow): FileRecord => ({
  id: row.id,
  storageKey: row.storage_key,
  sha256: row.sha256,
  size: Number(row.size_bytes),
  mediaType: row.media_type,
  originalName: row.original_name,
})

/**
 * Bytes first, row second: a row never points at a missing object. If the transaction
 * then rolls back, the object is an orphan that the storage sweep can remove.
 */
export async function saveFile(
  trx: Knex.Transaction,
  storage: FileStorage,
  ctx: RequestContext,
  file: AcceptedFile,
): Promise<FileRecord> {
  const stored = await storage.keep(ctx.tenant.id, file.path, file)
  const [row] = await trx('files')
    .insert({
      tenant_id: ctx.tenant.id,
      storage_key: stored.key,
      sha256: stored.sha256,
      size_bytes: stored.size,
      media_type: file.mediaType,
      original_name: file.originalName,
    })
    .returning<{ id: string }[]>('id')
  if (!row) throw new Error('file insert returned nothing')
  return {
    id: row.id,
    storageKey: stored.key,
    sha256: stored.sha256,
    size: stored.size,
    mediaType: file.mediaType,
    originalName: file.originalName,
  }
}

export async function findFile(db: Db, id: string): Promise<FileRecord | undefined> {
  if (!isUuid(id)) return undefined
  const row = await db('files').where({ id }).first<FileRow | undefined>()
  return row && toFileRecord(row)
}

/**
 * Removes stored objects that no row points to (a transaction rolled back after the
 * bytes were written), once they are older than a day so that uploads in flight are safe.
 */
export async function sweepOrphanFiles(
  db: Knex,
  storage: FileStorage,
  tenantIds: string[],
  now: Date,
): Promise<number> {
  const cutoff = new Date(now.getTime() - 86_400_000)
  let removed = 0
  for (const tenantId of tenantIds) {
    const keys = await storage.listOlderThan(tenantId, cutoff)
    if (keys.length === 0) continue
    const known = new Set(
      await withTenant(db, tenantId, (trx) => trx('files').whereIn('storage_key', keys).pluck('storage_key')),
    )
    for (const key of keys.filter((k) => !known.has(k))) {
      await storage.remove(key)
      removed += 1
    }
  }
  return removed
}

export async function scheduleFileSweep(
  boss: PgBoss,
  db: Knex,
  storage: FileStorage,
  clock: Clock,
  tenantIds: () => Promise<string[]>,
  logger: Logger,
): Promise<void> {
  await boss.schedule(QUEUES.sweepOrphanFiles, '43 * * * *')
  await boss.work(QUEUES.sweepOrphanFiles, async () => {
    const removed = await sweepOrphanFiles(db, storage, await tenantIds(), clock.now())
    if (removed) logger.info({ removed }, 'removed orphaned files')
  })
}
