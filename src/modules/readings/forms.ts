import { rm } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Request, Response } from 'express'
import type { Deps } from '../../deps.ts'
import { formText, type FieldError } from '../../http/forms.ts'
import { reencodePhoto, UnreadablePhotoError } from '../../platform/files/photo.ts'
import { MEDIA_TYPES, sniff, type AcceptedFile } from '../../platform/files/sniff.ts'
import type { MeterRow } from './meters.service.ts'
import { zoneField, type RuleError } from './rules.ts'

/** What the readings forms share: the photo field, rule messages, posted zone values. */
export const PHOTO_FIELD = { field: 'photo', allow: ['jpeg', 'png'], maxBytes: 10 * 1024 * 1024 } as const

/** A rule's message in the reader's language, its dates and numbers in their form. */
export function ruleErrors(res: Response, errors: readonly RuleError[]): FieldError[] {
  const { t, fmt } = res.locals
  return errors.map((e) => {
    const vars: Record<string, unknown> = { ...e.vars }
    for (const key of ['date', 'opens'] as const)
      if (typeof vars[key] === 'string') vars[key] = fmt.date(vars[key])
    if (typeof vars.previous === 'string')
      vars.previous = fmt.number(Number(vars.previous), vars.previous.split('.')[1]?.length ?? 0)
    return { field: e.field, text: t(e.key, vars), href: `#${e.field}` }
  })
}

/** The zones' values as posted, by zone. */
export const postedValues = (req: Request, meter: MeterRow) =>
  Object.fromEntries(meter.zones.map((zone) => [zone, formText(req, zoneField(zone))]))

/** Re-encodes the photos of a form (stripping EXIF/GPS); an image that cannot be decoded is the field's error. */
export async function keptPhotos(
  deps: Deps,
  res: Response,
  files: readonly (AcceptedFile & { field: string })[],
): Promise<(AcceptedFile & { field: string })[] | FieldError> {
  try {
    return await Promise.all(
      files.map(async (f) => ({
        ...(await reencodePhoto(deps.files, res.locals.tenant!.id, f)),
        field: f.field,
      })),
    )
  } catch (err) {
    if (!(err instanceof UnreadablePhotoError)) throw err
    return { field: 'photo', text: res.locals.t('readings.errors.photoUnreadable'), href: '#photo' }
  }
}

/**
 * A photo sent as base64, checked as an upload is — by its bytes (JPEG or PNG), at most
 * 10 MB — and re-encoded without metadata; written to disk for the rest of the request.
 */
export async function photoOf(
  deps: Deps,
  res: Response,
  base64: string,
): Promise<AcceptedFile | { error: string }> {
  const bytes = Buffer.from(base64, 'base64')
  if (!bytes.length || bytes.length > PHOTO_FIELD.maxBytes) return { error: 'api.errors.photo' }
  const incoming = await deps.files.incoming(res.locals.tenant!.id)
  try {
    await pipeline(Readable.from([bytes]), incoming.stream)
    const kind = await sniff(incoming.path, ['jpeg', 'png'])
    if (!kind) return { error: 'api.errors.photo' }
    return await reencodePhoto(deps.files, res.locals.tenant!.id, {
      path: incoming.path,
      size: bytes.length,
      sha256: '',
      originalName: `photo.${kind === 'png' ? 'png' : 'jpg'}`,
      kind,
      mediaType: MEDIA_TYPES[kind].mime,
    })
  } catch (err) {
    if (err instanceof UnreadablePhotoError) return { error: 'readings.errors.photoUnreadable' }
    throw err
  } finally {
    await rm(incoming.path, { force: true })
  }
}
