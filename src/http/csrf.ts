import type { Request, RequestHandler } from 'express'
import { csrfSync } from 'csrf-sync'
import type { Clock } from '../platform/clock.ts'
import { bindSession } from './session.ts'

function tokenFromRequest(req: Request): string | undefined {
  const body = req.body as Record<string, unknown> | undefined
  if (typeof body?._csrf === 'string') return body._csrf
  const header = req.get('x-csrf-token')
  if (header) return header
  // A multipart body is parsed only by the upload route, after this check, so its form
  // carries the token in the action URL instead.
  if (req.is('multipart/form-data') && typeof req.query._csrf === 'string') return req.query._csrf
  return undefined
}

/**
 * Synchroniser tokens (csrf-sync) on every unsafe method, plus a refusal of requests
 * the browser itself marks as cross-site. `res.locals.csrfToken()` is lazy, so pages
 * without a form do not create a session.
 */
export function setUpCsrf(clock: Clock): { protect: RequestHandler; provideToken: RequestHandler } {
  const { csrfSynchronisedProtection, generateToken } = csrfSync({
    getTokenFromRequest: tokenFromRequest,
    errorConfig: { statusCode: 403, code: 'EBADCSRFTOKEN', message: 'invalid csrf token' },
  })
  const protect: RequestHandler = (req, res, next) => {
    const unsafe = !['GET', 'HEAD', 'OPTIONS'].includes(req.method)
    if (unsafe && req.get('sec-fetch-site') === 'cross-site') {
      return next(Object.assign(new Error('cross-site request'), { code: 'EBADCSRFTOKEN' }))
    }
    csrfSynchronisedProtection(req, res, next)
  }
  const provideToken: RequestHandler = (req, res, next) => {
    let token: string | undefined
    res.locals.csrfToken = () => {
      if (!token) {
        const tenantId = res.locals.tenant?.id
        if (tenantId) bindSession(req, tenantId, clock.now())
        token = generateToken(req)
      }
      return token
    }
    next()
  }
  return { protect, provideToken }
}
