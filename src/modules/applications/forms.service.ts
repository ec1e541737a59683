import { randomUUID } from 'node:crypto'
import { withTenant } from '../../db/tenant-scope.ts'
import { audit } from '../../platform/audit.ts'
import type { RequestContext } from '../../platform/context.ts'
import { NotFoundError } from '../../platform/errors.ts'
import { saveFile, type FileRecord } from '../../platform/files/index.ts'
import { isUuid } from '../../platform/ids.ts'
import type { Texts } from './definition.ts'
import type { ApplicationsDeps, UploadedFile } from './service.ts'

export const FORM_KINDS = ['application', 'act', 'contract'] as const
export type FormKind = (typeof FORM_KINDS)[number]

export interface StandardForm {
  id: string
  family_id: string
  version: number
  kind: FormKind
  type_code: string | null
  title: Texts
  created_at: Date
  original_name: string
  size_bytes: string
  media_type: string
}

/** A form with its older versions, newest first (customers get the newest by default). */
export interface FormFamily {
  latest: StandardForm
  older: StandardForm[]
}

const columns = [
  's.id',
  's.family_id',
  's.version',
  's.kind',
  's.type_code',
  's.title',
  's.created_at',
  'f.original_name',
  'f.size_bytes',
  'f.media_type',
]

/** The library, grouped by form; `typeCode` narrows to one application type's forms and the general ones. */
export async function formLibrary(
  deps: ApplicationsDeps,
  ctx: RequestContext,
  typeCode?: string,
): Promise<FormFamily[]> {
  const rows = await withTenant(deps.db, ctx.tenant.id, (trx) => {
    const q = trx('standard_forms as s')
      .join('files as f', function () {
        this.on('f.id', 's.file_id').andOn('f.tenant_id', 's.tenant_id')
      })
      .orderBy([
        { column: 's.kind' },
        { column: 's.created_at', order: 'desc' },
        { column: 's.version', order: 'desc' },
      ])
      .select<StandardForm[]>(columns)
    if (typeCode) void q.where((w) => void w.where('s.type_code', typeCode).orWhereNull('s.type_code'))
    return q
  })
  const families = new Map<string, FormFamily>()
  for (const row of rows.sort((a, b) => b.version - a.version)) {
    const family = families.get(row.family_id)
    if (family) family.older.push(row)
    else families.set(row.family_id, { latest: row, older: [] })
  }
  return [...families.values()].sort(
    (a, b) =>
      a.latest.kind.localeCompare(b.latest.kind) ||
      b.latest.created_at.getTime() - a.latest.created_at.getTime(),
  )
}

/** A new form, or — with `familyId` — a new version of one; the earlier versions stay downloadable. */
export async function uploadForm(
  deps: ApplicationsDeps,
  ctx: RequestContext,
  input: { kind: FormKind; typeCode: string | null; title: Texts; familyId: string | null },
  file: UploadedFile,
): Promise<void> {
  await withTenant(deps.db, ctx.tenant.id, async (trx) => {
    let familyId = input.familyId
    let version = 1
    let { kind, typeCode, title } = input
    if (familyId) {
      if (!isUuid(familyId)) throw new NotFoundError('standard form')
      await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`standard-form:${familyId}`])
      const latest = await trx('standard_forms')
        .where({ family_id: familyId })
        .orderBy('version', 'desc')
        .first<{ version: number; kind: FormKind; type_code: string | null; title: Texts } | undefined>()
      if (!latest) throw new NotFoundError('standard form')
      // A new version is the same form: it keeps its kind and type, and its title unless retitled.
      version = latest.version + 1
      kind = latest.kind
      typeCode = latest.type_code
      if (!Object.keys(title).length) title = latest.title
    } else familyId = randomUUID()
    const stored: FileRecord = await saveFile(trx, deps.files, ctx, file)
    await trx('standard_forms').insert({
      tenant_id: ctx.tenant.id,
      family_id: familyId,
      version,
      kind,
      type_code: typeCode,
      title: JSON.stringify(title),
      file_id: stored.id,
      created_by: ctx.actor.id,
    })
    await audit(trx, ctx, {
      action: 'standard-form.uploaded',
      targetType: 'standard-form',
      targetId: familyId,
      details: { version, kind },
    })
  })
}

/** One version's file, for its download route. */
export async function formFile(deps: ApplicationsDeps, ctx: RequestContext, id: string) {
  if (!isUuid(id)) throw new NotFoundError('standard form')
  const row = await withTenant(deps.db, ctx.tenant.id, (trx) =>
    trx('standard_forms as s')
      .join('files as f', function () {
        this.on('f.id', 's.file_id').andOn('f.tenant_id', 's.tenant_id')
      })
      .where('s.id', id)
      .first<
        { storage_key: string; original_name: string; media_type: string; size_bytes: string } | undefined
      >('f.storage_key', 'f.original_name', 'f.media_type', 'f.size_bytes'),
  )
  if (!row) throw new NotFoundError('standard form')
  return {
    storageKey: row.storage_key,
    originalName: row.original_name,
    mediaType: row.media_type,
    size: Number(row.size_bytes),
  }
}
