import type { Knex } from 'knex'
import type { Db } from '../../db/knex.ts'
import type { RequestContext } from '../context.ts'
import { isUuid } from '../ids.ts'
import { saveFile, toFileRecord, type FileRecord, type FileRow } from './index.ts'
import type { AcceptedFile } from './sniff.ts'
import type { FileStorage } from './storage.ts'

/** The row a file belongs to, in the owning module's words (e.g. `application`, its id). */
export interface Owner {
  type: string
  id: string
}

export interface Attachment extends FileRecord {
  attachmentId: string
  owner: Owner
  field: string
  createdAt: Date
}

interface AttachmentRow extends FileRow {
  attachment_id: string
  owner_type: string
  owner_id: string
  field: string
  created_at: Date
}

const toAttachment = (r: AttachmentRow): Attachment => ({
  ...toFileRecord(r),
  attachmentId: r.attachment_id,
  owner: { type: r.owner_type, id: r.owner_id },
  field: r.field,
  createdAt: r.created_at,
})

/** Stores accepted uploads and links them to their owner, in the owner's transaction. */
export async function attachFiles(
  trx: Knex.Transaction,
  storage: FileStorage,
  ctx: RequestContext,
  owner: Owner,
  files: readonly (AcceptedFile & { field: string })[],
): Promise<Attachment[]> {
  const out: Attachment[] = []
  for (const file of files) {
    const stored = await saveFile(trx, storage, ctx, file)
    const [row] = await trx('attachments')
      .insert({
        tenant_id: ctx.tenant.id,
        file_id: stored.id,
        owner_type: owner.type,
        owner_id: owner.id,
        field: file.field,
      })
      .returning<{ id: string; created_at: Date }[]>(['id', 'created_at'])
    out.push({ ...stored, attachmentId: row!.id, owner, field: file.field, createdAt: row!.created_at })
  }
  return out
}

function attachmentQuery(db: Db) {
  return db('attachments as a')
    .join('files as f', function () {
      this.on('f.id', 'a.file_id').andOn('f.tenant_id', 'a.tenant_id')
    })
    .select(
      'a.id as attachment_id',
      'a.owner_type',
      'a.owner_id',
      'a.field',
      'a.created_at',
      'f.id',
      'f.storage_key',
      'f.sha256',
      'f.size_bytes',
      'f.media_type',
      'f.original_name',
    )
}

/** An owner's files, oldest first. */
export async function attachmentsOf(db: Db, owner: Owner): Promise<Attachment[]> {
  return (await attachmentsOfMany(db, owner.type, [owner.id])).get(owner.id) ?? []
}

/** The attachments of many owners of one type in one query, by owner id (owners without any are absent). */
export async function attachmentsOfMany(
  db: Db,
  type: string,
  ids: string[],
): Promise<Map<string, Attachment[]>> {
  return (await attachmentsOfKinds(db, { [type]: ids })).get(type) ?? new Map()
}

/**
 * The same for owners of several types in one query (a page showing an application's
 * files and its messages' files asks once): per type, by owner id.
 */
export async function attachmentsOfKinds(
  db: Db,
  owners: Record<string, string[]>,
): Promise<Map<string, Map<string, Attachment[]>>> {
  const byType = new Map<string, Map<string, Attachment[]>>()
  const wanted = Object.entries(owners).filter(([, ids]) => ids.length > 0)
  if (wanted.length === 0) return byType
  const rows = await attachmentQuery(db)
    .where((w) => {
      for (const [type, ids] of wanted)
        void w.orWhere((o) => void o.where('a.owner_type', type).whereIn('a.owner_id', ids))
    })
    .orderBy('a.created_at')
    .orderBy('a.id')
  for (const row of rows as AttachmentRow[]) {
    const byOwner = byType.get(row.owner_type) ?? new Map<string, Attachment[]>()
    byType.set(row.owner_type, byOwner)
    const list = byOwner.get(row.owner_id) ?? []
    list.push(toAttachment(row))
    byOwner.set(row.owner_id, list)
  }
  return byType
}

export async function findAttachment(db: Db, id: string): Promise<Attachment | undefined> {
  if (!isUuid(id)) return undefined
  const row = (await attachmentQuery(db).where('a.id', id).first()) as AttachmentRow | undefined
  return row ? toAttachment(row) : undefined
}

/**
 * Removes one attachment from its owner (a draft's wrongly chosen file); its stored file
 * goes with the orphan sweep. False when the owner has no such attachment.
 */
export async function detachFile(
  trx: Knex.Transaction,
  owner: Owner,
  attachmentId: string,
): Promise<boolean> {
  if (!isUuid(attachmentId)) return false
  const removed = await trx('attachments')
    .where({ id: attachmentId, owner_type: owner.type, owner_id: owner.id })
    .del()
  return removed > 0
}

/** Removes every attachment of an owner that is being deleted (a draft's unit). */
export async function detachAll(trx: Knex.Transaction, owner: Owner): Promise<void> {
  await trx('attachments').where({ owner_type: owner.type, owner_id: owner.id }).del()
}
