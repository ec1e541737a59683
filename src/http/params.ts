import type { Router } from 'express'
import { NotFoundError } from '../platform/errors.ts'
import { isUuid } from '../platform/ids.ts'

/**
 * Every `:id` (or each named parameter) of this router's routes is checked once, before
 * any handler: not a UUID → 404.
 */
export function uuidIds(router: Router, ...names: string[]): Router {
  for (const name of names.length ? names : ['id'])
    router.param(name, (_req, _res, next, value) => {
      next(isUuid(value) ? undefined : new NotFoundError(`${name} is not a UUID`))
    })
  return router
}
