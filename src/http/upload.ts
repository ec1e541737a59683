import { rm } from 'node:fs/promises'
import { pipeline } from 'node:stream/promises'
import type { Request, RequestHandler, Response } from 'express'
import multer from 'multer'
import type { Config } from '../config.ts'
import { formatBytes } from '../platform/format.ts'
import { hashing } from '../platform/files/hashing.ts'
import { MEDIA_TYPES, sniff, type AcceptedFile, type MediaKind } from '../platform/files/sniff.ts'
import type { FileStorage } from '../platform/files/storage.ts'
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

export interface UploadDeps {
  files: FileStorage
  config: Pick<Config, 'uploadMaxRequestBytes'>
}

declare module 'express-serve-static-core' {
  interface Request {
    upload?: AcceptedUpload
  }
}

/** multer 2.5's option to feed busboy ourselves, not yet in its types. */
type MulterOptions = multer.Options & {
  streamHandler: (body: Request, busboy: NodeJS.WritableStream) => void
}

/** Room for a form's text fields and the multipart framing beside its files. */
const FORM_ALLOWANCE = 1024 * 1024

/** Limits a person can reach with our forms: said beside the field. Any other failure is a 400. */
const FIELD_LIMITS = new Set(['LIMIT_FILE_SIZE', 'LIMIT_FILE_COUNT', 'LIMIT_UNEXPECTED_FILE'])

/**
 * Control characters (busboy refuses most in headers; a NUL cannot even be stored) and
 * direction overrides, which disguise an extension ("plan\u202Efdp.exe").
 */
// eslint-disable-next-line no-control-regex
const UNSAFE_NAME = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g

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
 * Answers 413 without reading the rest of the body, and closes the connection: a client
 * still sending is cut off rather than waited for.
 */
function refuseTooLarge(req: Request, res: Response, cap: number): void {
  if (res.headersSent) return
  req.pause()
  res.set('Connection', 'close')
  res.status(413).render('errors/413', { size: formatBytes(cap, res.locals.locale) })
}

/** Multer storage writing each file to an incoming file as it arrives, hashed on the way. */
function incomingStorage(storage: FileStorage, namespace: string, paths: string[]): multer.StorageEngine {
  return {
    _handleFile(_req, file, cb) {
      void (async () => {
        const incoming = await storage.incoming(namespace)
        paths.push(incoming.path)
        const counted = hashing()
        try {
          await pipeline(file.stream, counted.stage, incoming.stream)
        } catch (err) {
          // A body cut off mid-file: multer removes only files it was told were stored.
          await rm(incoming.path, { force: true })
          throw err
        }
        return { path: incoming.path, ...counted.result() }
      })().then((info) => cb(null, info), cb)
    },
    _removeFile(_req, file, cb) {
      rm(file.path, { force: true }).then(() => cb(null), cb)
    },
  }
}

/**
 * Multipart upload for a form with one or more file fields, each with its own types,
 * size and count. The Origin check runs before a byte is read; the whole request has a
 * cap (the form's files at their limits, at most UPLOAD_MAX_REQUEST_MB), answered with
 * 413 as soon as it is passed — from Content-Length before reading, or while counting.
 * Files stream to incoming files on disk (removed when the request ends unless kept);
 * each file's type is decided by its magic bytes against its field's allowlist.
 * Problems a person can cause become field errors on `req.upload` (each linking to its
 * field), so the route re-renders its form with 422 next to any schema errors; a body no
 * browser sends (cut off, no boundary, hostile names) is a 400.
 */
export function acceptUploads(
  deps: UploadDeps,
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
    // Named: the tests find every upload route by it (test/helpers/routes.ts).
    function multipartUpload(req, res, next) {
      if (!sameOrigin(req, res)) return res.status(403).render('errors/403')
      next()
    },
    async (req, res, next) => {
      // A form whose fields depend on the request (an application type's documents) says so
      // before a byte of the body is read; an unknown type is its 404.
      const fields = typeof fieldsFor === 'function' ? await fieldsFor(req, res) : fieldsFor
      resolved.set(req, fields)
      const cap = Math.min(
        deps.config.uploadMaxRequestBytes,
        FORM_ALLOWANCE + fields.reduce((n, f) => n + f.maxBytes * (f.maxFiles ?? 1), 0),
      )
      if (Number(req.get('content-length')) > cap) return refuseTooLarge(req, res, cap)
      const byName = new Map(fields.map((f) => [f.field, f]))
      const totalFiles = fields.reduce((n, f) => n + (f.maxFiles ?? 1), 0)
      const incoming: string[] = []
      res.on('close', () => {
        for (const file of incoming) void rm(file, { force: true })
      })
      let seen = 0
      const options: MulterOptions = {
        storage: incomingStorage(deps.files, res.locals.tenant!.id, incoming),
        // Browsers send UTF-8 file names; without this multer reads them as Latin-1.
        defParamCharset: 'utf8',
        limits: {
          // multer has one size limit: the largest field's; smaller fields are checked after.
          fileSize: Math.max(0, ...fields.map((f) => f.maxBytes)),
          files: totalFiles,
          fields: 100,
          parts: totalFiles + 100,
          fieldSize: 64 * 1024,
          fieldNameSize: 200,
          headerPairs: 100,
        },
        // A body without Content-Length (chunked) is counted as it arrives.
        streamHandler: (body, busboy) => {
          body.on('data', (chunk: Buffer) => {
            seen += chunk.length
            if (seen > cap) {
              body.unpipe(busboy)
              refuseTooLarge(req, res, cap)
            }
          })
          body.pipe(busboy)
        },
      }
      const parser = multer(options).fields(fields.map((f) => ({ name: f.field, maxCount: f.maxFiles ?? 1 })))
      parser(req, res, (err: unknown) => {
        if (res.headersSent) return
        if (!err) return next()
        if (err instanceof multer.MulterError && FIELD_LIMITS.has(err.code)) {
          req.body ??= {}
          const spec = (err.field && byName.get(err.field)) || fields[0]
          const field = spec?.field ?? 'form'
          const e =
            err.code === 'LIMIT_FILE_SIZE' && spec
              ? tooLarge(res, spec)
              : error(res, field, 'upload.tooMany', { count: spec?.maxFiles ?? 1 })
          req.upload = { files: [], errors: [e] }
          return next()
        }
        req.log?.info({ err }, 'malformed upload')
        res.status(400).render('errors/400')
      })
    },
    async (req, res, next) => {
      if (req.upload) return next()
      const fields = resolved.get(req) ?? []
      const received =
        (req.files as Record<string, (Express.Multer.File & { sha256: string })[]> | undefined) ?? {}
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
          const kind = await sniff(f.path, spec.allow)
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
            path: f.path,
            size: f.size,
            sha256: f.sha256,
            originalName: f.originalname.replace(UNSAFE_NAME, '').trim().slice(0, 255) || `file.${kind}`,
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
export function acceptUpload(deps: UploadDeps, spec: UploadField): RequestHandler[] {
  return acceptUploads(deps, [spec])
}
