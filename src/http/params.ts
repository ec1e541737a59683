import type { Router } from 'express'
import { NotFoundError } from '../platform/errors.ts'

import { isUuid } from '../platform/ids.ts'

/** Every `:id` of this router's routes is checked once, before any handler: not a UUID → 404. */
export function uuidIds(router: Router): Router {
  router.param('id', (_req, _res, next, value) => {
    next(isUuid(value) ? undefined : new NotFoundError('id is not a UUID'))
  })
  return router
}
