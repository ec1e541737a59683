import type { Knex } from 'knex'
import type { Db } from '../../db/knex.ts'
import type { RequestContext } from '../../http/context.ts'
import type { AcceptedFile } from '../../http/upload.ts'
import { isUuid } from '../../http/params.ts'
import type { FileStorage } from './storage.ts'

export interface FileRecord {
  id: string
  storageKey: string
  sha256: string
  size: number
  mediaType: string
  originalName: string
}

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
  const stored = await storage.put(file.buffer)
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
  const row = await db('files').where({ id }).first<
    | {
        id: string
        storage_key: string
        sha256: string
        size_bytes: string
        media_type: string
        original_name: string
      }
    | undefined
  >()
  return (
    row && {
      id: row.id,
      storageKey: row.storage_key,
      sha256: row.sha256,
      size: Number(row.size_bytes),
      mediaType: row.media_type,
      originalName: row.original_name,
    }
  )
}
