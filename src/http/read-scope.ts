import type { RequestHandler } from 'express'
import type { Knex } from 'knex'
import { inReadScope, ReadScope } from '../db/tenant-scope.ts'

/**
 * A GET or HEAD of a tenant's page reads in one request-scoped, read-only transaction
 * (see `ReadScope`): committed before the page renders, and never used once the
 * response's headers are out (a live stream's later reads, a timer the request started).
 */
export function readScopes(db: Knex): RequestHandler {
  return (req, res, next) => {
    const tenant = res.locals.tenant
    if (!tenant || (req.method !== 'GET' && req.method !== 'HEAD')) return next()
    const scope = new ReadScope(db, tenant.id, () => !res.headersSent)
    const render = res.render.bind(res)
    res.render = (...args: Parameters<typeof render>) => {
      scope.release()
      render(...args)
    }
    // Every answer passes here (Node sends implicit headers through writeHead too).
    const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => typeof res
    res.writeHead = ((...args: unknown[]) => {
      scope.release()
      return writeHead(...args)
    }) as typeof res.writeHead
    res.on('close', () => scope.close())
    inReadScope(scope, next)
  }
}
