import type { Request, RequestHandler, Response } from 'express'
import multer from 'multer'
import { formatBytes } from '../platform/format.ts'
import { MEDIA_TYPES, sniff, type AcceptedFile, type MediaKind } from '../platform/files/sniff.ts'
import type { FieldError } from './forms.ts'

export interface UploadField {
  /** The form field's name (and the id its error links to). */
  field: string
  allow: readonly MediaKind[]
  maxBytes: number
  maxFiles?: number
  required?: boolean
}

export interface AcceptedUpload {
  /** Every accepted file, each with the field it came in. */
  files: (AcceptedFile & { field: string })[]
  /** Problems as field errors, for the same 422 form pattern as schema errors. */
  errors: FieldError[]
}

declare module 'express-serve-static-core' {
  interface Request {
    upload?: AcceptedUpload
  }
}

function sameOrigin(req: Request, res: Response): boolean {
  const site = req.get('sec-fetch-site')
  if (site && site !== 'same-origin') return false
  const origin = req.get('origin')
  if (!origin) return site === 'same-origin'
  const allowed = new Set([`${req.protocol}://${req.get('host')}`])
  const base = res.locals.tenant?.settings.publicBaseUrl
  if (base) allowed.add(new URL(base).origin)
  return allowed.has(origin)
}

/**
 * Multipart upload for a form with one or more file fields, each with its own types,
 * size and count. The Origin check runs before multer reads a byte; every multer limit
 * is set; each file's type is decided by its magic bytes against its field's allowlist.
 * Problems become field errors on `req.upload` (each linking to its field), so the route
 * re-renders its form with 422 next to any schema errors.
 */
export function acceptUploads(
  fieldsFor:
    | readonly UploadField[]
    | ((req: Request, res: Response) => readonly UploadField[] | Promise<readonly UploadField[]>),
): RequestHandler[] {
  const resolved = new WeakMap<Request, readonly UploadField[]>()
  const error = (
    res: Response,
    field: string,
    key: string,
    vars: Record<string, unknown> = {},
  ): FieldError => ({
    field,
    text: res.locals.t(key, vars),
    href: `#${field}`,
  })
  const tooLarge = (res: Response, spec: UploadField) =>
    error(res, spec.field, 'upload.tooLarge', { size: formatBytes(spec.maxBytes, res.locals.locale) })
  return [
    (req, res, next) => {
      if (!sameOrigin(req, res)) return res.status(403).render('errors/403')
      next()
    },
    async (req, res, next) => {
      // A form whose fields depend on the request (an application type's documents) says so
      // before a byte of the body is read; an unknown type is its 404.
      const fields = typeof fieldsFor === 'function' ? await fieldsFor(req, res) : fieldsFor
      resolved.set(req, fields)
      const byName = new Map(fields.map((f) => [f.field, f]))
      const totalFiles = fields.reduce((n, f) => n + (f.maxFiles ?? 1), 0)
      const parser = multer({
        storage: multer.memoryStorage(),
        // Browsers send UTF-8 file names; without this multer reads them as Latin-1.
        defParamCharset: 'utf8',
        limits: {
          // multer has one size limit: the largest field's; smaller fields are checked after.
          fileSize: Math.max(0, ...fields.map((f) => f.maxBytes)),
          files: totalFiles,
          fields: 100,
          parts: totalFiles + 100,
          fieldSize: 64 * 1024,
          headerPairs: 100,
        },
      }).fields(fields.map((f) => ({ name: f.field, maxCount: f.maxFiles ?? 1 })))
      parser(req, res, (err: unknown) => {
        if (!err) return next()
        if (err instanceof multer.MulterError) {
          req.body ??= {}
          const spec = (err.field && byName.get(err.field)) || fields[0]
          const field = spec?.field ?? 'form'
          const e =
            err.code === 'LIMIT_FILE_SIZE' && spec
              ? tooLarge(res, spec)
              : err.code === 'LIMIT_FILE_COUNT' || err.code === 'LIMIT_UNEXPECTED_FILE'
                ? error(res, field, 'upload.tooMany', { count: spec?.maxFiles ?? 1 })
                : error(res, field, 'upload.badRequest')
          req.upload = { files: [], errors: [e] }
          return next()
        }
        next(err)
      })
    },
    async (req, res, next) => {
      if (req.upload) return next()
      const fields = resolved.get(req) ?? []
      const received = (req.files as Record<string, Express.Multer.File[]> | undefined) ?? {}
      const accepted: AcceptedUpload['files'] = []
      const errors: FieldError[] = []
      for (const spec of fields) {
        const files = received[spec.field] ?? []
        if (spec.required && files.length === 0) errors.push(error(res, spec.field, 'upload.required'))
        for (const f of files) {
          if (f.size > spec.maxBytes) {
            errors.push(tooLarge(res, spec))
            break
          }
          const kind = await sniff(f.buffer, spec.allow)
          if (!kind) {
            errors.push(
              error(res, spec.field, 'upload.wrongType', {
                types: spec.allow.map((k) => MEDIA_TYPES[k].label).join(', '),
              }),
            )
            break
          }
          accepted.push({
            field: spec.field,
            buffer: f.buffer,
            originalName: f.originalname.slice(0, 255),
            kind,
            mediaType: MEDIA_TYPES[kind].mime,
          })
        }
      }
      req.upload = { files: errors.length ? [] : accepted, errors }
      next()
    },
  ]
}

/** A form with a single file field. */
export function acceptUpload(spec: UploadField): RequestHandler[] {
  return acceptUploads([spec])
}
