import type { Request, RequestHandler, Response } from 'express'
import multer from 'multer'
import { formatBytes } from '../platform/format.ts'
import { MEDIA_TYPES, sniff, type AcceptedFile, type MediaKind } from '../platform/files/sniff.ts'
import type { FieldError } from './forms.ts'

export interface UploadSpec {
  field: string
  allow: readonly MediaKind[]
  maxBytes: number
  maxFiles?: number
  required?: boolean
}

declare module 'express-serve-static-core' {
  interface Request {
    upload?: { files: AcceptedFile[]; errors: FieldError[] }
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
 * Multipart upload for one field. The Origin check runs before multer reads a byte;
 * every multer limit is set; each file's type is decided by its magic bytes against
 * this use's allowlist. Problems become field errors on `req.upload` so the route can
 * re-render its form with 422, like any other validation error.
 */
export function acceptUpload(spec: UploadSpec): RequestHandler[] {
  const maxFiles = spec.maxFiles ?? 1
  const parser = multer({
    storage: multer.memoryStorage(),
    // Browsers send UTF-8 file names; without this multer reads them as Latin-1.
    defParamCharset: 'utf8',
    limits: {
      fileSize: spec.maxBytes,
      files: maxFiles,
      fields: 20,
      parts: maxFiles + 20,
      fieldSize: 64 * 1024,
      headerPairs: 100,
    },
  }).array(spec.field, maxFiles)
  const error = (res: Response, key: string, vars: Record<string, unknown> = {}): FieldError => ({
    field: spec.field,
    text: res.locals.t(key, vars),
    href: `#${spec.field}`,
  })
  return [
    (req, res, next) => {
      if (!sameOrigin(req, res)) return res.status(403).render('errors/403')
      next()
    },
    (req, res, next) => {
      parser(req, res, (err: unknown) => {
        if (!err) return next()
        if (err instanceof multer.MulterError) {
          req.body ??= {}
          const e =
            err.code === 'LIMIT_FILE_SIZE'
              ? error(res, 'upload.tooLarge', { size: formatBytes(spec.maxBytes, res.locals.locale) })
              : err.code === 'LIMIT_FILE_COUNT' || err.code === 'LIMIT_UNEXPECTED_FILE'
                ? error(res, 'upload.tooMany', { count: maxFiles })
                : error(res, 'upload.badRequest')
          req.upload = { files: [], errors: [e] }
          return next()
        }
        next(err)
      })
    },
    async (req, res, next) => {
      if (req.upload) return next()
      const files = (req.files as Express.Multer.File[] | undefined) ?? []
      const accepted: AcceptedFile[] = []
      const errors: FieldError[] = []
      if (spec.required && files.length === 0) errors.push(error(res, 'upload.required'))
      for (const f of files) {
        const kind = await sniff(f.buffer, spec.allow)
        if (!kind) {
          errors.push(
            error(res, 'upload.wrongType', { types: spec.allow.map((k) => MEDIA_TYPES[k].label).join(', ') }),
          )
          break
        }
        accepted.push({
          buffer: f.buffer,
          originalName: f.originalname.slice(0, 255),
          kind,
          mediaType: MEDIA_TYPES[kind].mime,
        })
      }
      req.upload = { files: errors.length ? [] : accepted, errors }
      next()
    },
  ]
}
