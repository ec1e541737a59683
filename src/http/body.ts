import type { RequestHandler } from 'express'

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/** Thrown for a body our forms never send; shown as 415. */
export class UnsupportedBodyError extends Error {
  readonly status = 415
}

/**
 * Our pages post HTML forms: URL-encoded, or multipart for uploads, whose forms carry the
 * CSRF token in the action URL (the body is read only by the upload route). Anything
 * else — JSON, text, XML, no type at all — is refused before any handler sees it, and a
 * handler never meets a missing body.
 */
export const formBodiesOnly: RequestHandler = (req, _res, next) => {
  if (UNSAFE.has(req.method)) {
    const form = req.is('application/x-www-form-urlencoded')
    const upload = req.is('multipart/form-data') && typeof req.query._csrf === 'string'
    if (!form && !upload) return next(new UnsupportedBodyError('not a form body'))
  }
  req.body ??= {}
  next()
}
