import type { Refusal } from './amr/refusal.ts'
import type { Deps } from '../../deps.ts'
import { withTenant } from '../../db/tenant-scope.ts'
import { paginate, type Page } from '../../http/lists.ts'
import { audit } from '../../platform/audit.ts'
import { systemContext, type RequestContext } from '../../platform/context.ts'
import { NotFoundError } from '../../platform/errors.ts'
import { attachFiles, attachmentsOfMany } from '../../platform/files/attachments.ts'
import type { AcceptedFile } from '../../platform/files/sniff.ts'
import { sendJob } from '../../platform/jobs.ts'
import { latestSeq, publish } from '../../platform/live.ts'
import { findTenantById } from '../../platform/tenancy/repo.ts'
import { rm } from 'node:fs/promises'
import { pipeline } from 'node:stream/promises'
import { MEDIA_TYPES } from '../../platform/files/sniff.ts'
import { ArchiveRefusedError, zipEntries } from './amr/archive.ts'
import { ingest80020, IngestRefusedError, type IngestFile } from './amr/ingest.ts'

export const IMPORT_QUEUE = 'readings.amr-import'
export const IMPORT_OWNER = 'amr-import'
type ImportDeps = Pick<Deps, 'db' | 'pool' | 'boss' | 'files' | 'clock'>

export interface ImportRow {
  id: string
  created_by: string | null
  status: 'queued' | 'running' | 'done' | 'failed'
  total_bytes: string
  read_bytes: string
  files: number
  rows_read: string | null
  rows_changed: string | null
  failed_file: string | null
  failed_line: number | null
  failed_reason: string | null
  /** The reason in words every language has (`amr/refusal.ts`); older failures have none. */
  failed_refusal: Refusal | null
  created_at: Date
  finished_at: Date | null
}

export const importTopic = (id: string) => `amr-import:${id}`

/**
 * Staff upload 80020 files to load (item 12): they are kept (attachments of the import),
 * the import is recorded and its job queued in the same transaction, so an upload is
 * either wholly queued or not at all; the page then follows its progress.
 */
export async function queueImport(
  deps: ImportDeps,
  ctx: RequestContext,
  files: readonly (AcceptedFile & { field: string })[],
): Promise<string> {
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const [row] = await trx('amr_imports')
      .insert({
        tenant_id: ctx.tenant.id,
        created_by: ctx.actor.id,
        total_bytes: files.reduce((n, f) => n + f.size, 0),
        files: files.length,
      })
      .returning<{ id: string }[]>('id')
    await attachFiles(trx, deps.files, ctx, { type: IMPORT_OWNER, id: row!.id }, files)
    await audit(trx, ctx, {
      action: 'readings.amr-import-queued',
      targetType: 'amr-import',
      targetId: row!.id,
      details: { files: files.map((f) => f.originalName) },
    })
    await sendJob(deps.boss, trx, IMPORT_QUEUE, { tenantId: ctx.tenant.id, importId: row!.id })
    return row!.id
  })
}

/** Says where an import stands: stored (the page reads it) and announced (open pages follow it). */
async function report(
  deps: ImportDeps,
  tenantId: string,
  id: string,
  change: Partial<ImportRow>,
): Promise<void> {
  await withTenant(deps.db, tenantId, async (trx) => {
    const [row] = await trx('amr_imports').where({ id }).update(change).returning<ImportRow[]>('*')
    if (row)
      await publish(trx, tenantId, importTopic(id), {
        status: row.status,
        read: Number(row.read_bytes),
        total: Number(row.total_bytes),
      })
  })
}

/**
 * The job: loads an import's files in one transaction (amr/ingest.ts), reporting the bytes
 * read at most twice a second. A refused file fails the import with its name, line and
 * reason and keeps nothing of the batch; anything else (the database went away) is
 * retried by the queue, which is safe: the merge is idempotent.
 */
export async function runImport(
  deps: ImportDeps,
  job: { tenantId: string; importId: string },
): Promise<void> {
  const tenant = await findTenantById(deps.db, job.tenantId)
  if (!tenant) return
  const ctx = systemContext(tenant, 'amr-import')
  const files = await withTenant(deps.db, tenant.id, async (trx) => {
    const found = await trx('amr_imports').where({ id: job.importId }).first<ImportRow | undefined>()
    if (!found || found.status === 'done' || found.status === 'failed') return undefined
    return (await attachmentsOfMany(trx, IMPORT_OWNER, [job.importId])).get(job.importId) ?? []
  })
  if (!files) return
  let last = 0
  let pending: Promise<void> = Promise.resolve()
  const progress = (bytes: number) => {
    const now = Date.now()
    if (now - last < 500) return
    last = now
    pending = pending.then(() => report(deps, tenant.id, job.importId, { read_bytes: String(bytes) }))
  }
  const archives: { close(): void; path: string }[] = []
  let total = 0
  try {
    const sources: IngestFile[] = []
    for (const f of files) {
      if (f.mediaType !== MEDIA_TYPES.zip.mime) {
        sources.push({ name: f.originalName, open: () => deps.files.read(f.storageKey) })
        total += f.size
        continue
      }
      // yauzl reads an archive by random access: a local copy, whatever the storage is.
      const copy = await deps.files.incoming(tenant.id)
      await pipeline(deps.files.read(f.storageKey), copy.stream)
      const archive = await zipEntries(copy.path, f.originalName).catch(async (err: unknown) => {
        await rm(copy.path, { force: true })
        if (err instanceof ArchiveRefusedError)
          throw new IngestRefusedError(f.originalName, 0, err.message, err.refusal)
        throw err
      })
      archives.push({ ...archive, path: copy.path })
      sources.push(...archive.files)
      total += archive.bytes
    }
    // Progress counts the bytes parsed: an archive's are its files' unpacked sizes.
    await report(deps, tenant.id, job.importId, {
      status: 'running',
      read_bytes: '0',
      total_bytes: String(total),
    })
    const result = await ingest80020(deps.pool, tenant.id, tenant.settings.timeZone, sources, progress)
    await pending
    await report(deps, tenant.id, job.importId, {
      status: 'done',
      read_bytes: String(total),
      rows_read: String(result.rowsRead),
      rows_changed: String(result.rowsChanged),
      finished_at: deps.clock.now(),
    })
    await withTenant(deps.db, tenant.id, (trx) =>
      audit(trx, ctx, {
        action: 'readings.amr-import-done',
        targetType: 'amr-import',
        targetId: job.importId,
        details: result,
      }),
    )
  } catch (err) {
    await pending
    if (!(err instanceof IngestRefusedError)) throw err
    await report(deps, tenant.id, job.importId, {
      status: 'failed',
      failed_file: err.file,
      failed_line: err.line || null,
      failed_reason: err.reason,
      failed_refusal: err.refusal,
      finished_at: deps.clock.now(),
    })
  } finally {
    for (const archive of archives) {
      archive.close()
      await rm(archive.path, { force: true })
    }
  }
}

export async function importOf(deps: ImportDeps, ctx: RequestContext, id: string): Promise<ImportRow> {
  const row = await withTenant(deps.db, ctx.tenant.id, (trx) =>
    trx('amr_imports').where({ id }).first<ImportRow | undefined>(),
  )
  if (!row) throw new NotFoundError('import')
  return row
}

/**
 * An import for its page, with the newest event of its stream read first: the page's
 * stream starts after it, so a job that finishes between the render and the stream's
 * start is still seen finishing.
 */
export async function importPage(
  deps: ImportDeps,
  ctx: RequestContext,
  id: string,
): Promise<{ row: ImportRow; liveAfter: number }> {
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const liveAfter = await latestSeq(trx, importTopic(id))
    const row = await trx('amr_imports').where({ id }).first<ImportRow | undefined>()
    if (!row) throw new NotFoundError('import')
    return { row, liveAfter }
  })
}

export function importList(deps: ImportDeps, ctx: RequestContext, page: number): Promise<Page<ImportRow>> {
  return withTenant(deps.db, ctx.tenant.id, (trx) =>
    paginate<ImportRow>(trx('amr_imports').orderBy('created_at', 'desc').select('*'), page, 20),
  )
}
