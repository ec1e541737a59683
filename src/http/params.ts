import type { Router } from 'express'
import { NotFoundError } from '../platform/errors.ts'

/** Ids in URLs are UUIDs; anything else is answered as "not found" before touching the database. */
export function isUuid(id: unknown): id is string {
  return typeof id === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)
}

/** Every `:id` of this router's routes is checked once, before any handler: not a UUID → 404. */
export function uuidIds(router: Router): Router {
  router.param('id', (_req, _res, next, value) => {
    next(isUuid(value) ? undefined : new NotFoundError('id is not a UUID'))
  })
  return router
}
