import type { ErrorRequestHandler, RequestHandler, Response } from 'express'
import type { Logger } from 'pino'
import { negotiateLocale, type I18n } from '../platform/i18n/index.ts'
import {
  BusyError,
  ConflictError,
  ForbiddenError,
  InvalidFieldError,
  NotFoundError,
  TenantUnavailableError,
  TooManyRequestsError,
} from '../platform/errors.ts'
import { renderInvalid } from './forms.ts'
import { requestIdOf } from './logging.ts'

export function notFound(): RequestHandler {
  return (_req, _res, next) => next(new NotFoundError('no route'))
}

const DB_UNAVAILABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  '57P01',
  '57P02',
  '57P03',
  '08006',
  '08001',
  '53300',
])

function isDatabaseUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false
  const code = (err as Error & { code?: string }).code
  return (
    (code !== undefined && DB_UNAVAILABLE.has(code)) ||
    err.name === 'KnexTimeoutError' ||
    /Connection terminated|timeout exceeded when trying to connect|Query read timeout|connection timeout|^timeout expired$/i.test(
      err.message,
    )
  )
}

/**
 * One place that turns errors into pages. Users see a localised page and the request
 * id to quote; the stack goes to the log only.
 */
export function errorHandler(i18n: I18n, logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err)
    const locale = res.locals.locale ?? negotiateLocale(undefined, req.acceptsLanguages(), 'en')
    res.locals.locale = locale
    res.locals.t ??= i18n.t(locale)
    res.locals.requestId ??= requestIdOf(req)
    res.locals.csrfToken ??= () => ''
    if (err instanceof InvalidFieldError && res.locals.formPage) {
      const page = res.locals.formPage
      const errors = [{ field: err.field, text: res.locals.t(err.key), href: `#${err.field}` }]
      // The page may say which values to show again (never a password); else the posted ones.
      return void Promise.resolve(page.locals()).then(
        (locals: { values?: unknown }) =>
          renderInvalid(res, page.view, errors, locals.values ?? req.body, locals),
        next,
      )
    }
    const status = errorStatus(err)
    if (status === 404) return renderError(res, 404, 'errors/404')
    if (err instanceof ForbiddenError) {
      logger.warn({ reqId: req.id, event: 'forbidden', reason: err.message }, 'forbidden')
      return renderError(res, 403, 'errors/forbidden')
    }
    if (status === 403) {
      logger.warn({ reqId: req.id, event: 'csrf_rejected' }, 'CSRF token missing or invalid')
      return renderError(res, 403, 'errors/403')
    }
    if (err instanceof ConflictError) return renderError(res, 409, 'errors/409')
    if (err instanceof TenantUnavailableError) {
      res.set('Cache-Control', 'no-store')
      return renderError(res, 503, 'errors/unavailable')
    }
    if (err instanceof BusyError) {
      res.set('Retry-After', String(err.retryAfterSeconds))
      return renderError(res, 503, 'errors/busy')
    }
    if (status === 429) {
      const seconds = err instanceof TooManyRequestsError ? err.retryAfterSeconds : 60
      res.set('Retry-After', String(seconds))
      return renderError(res, 429, 'errors/429', { seconds })
    }
    if (status === 503) {
      logger.error({ err, reqId: req.id }, 'database unavailable')
      res.set('Retry-After', '30')
      return renderError(res, 503, 'errors/503')
    }
    if (status === 400 || status === 413 || status === 415 || status === 422)
      return renderError(res, status, 'errors/400')
    logger.error({ err, reqId: req.id }, 'unhandled error')
    return renderError(res, 500, 'errors/500')
  }
}

/** Even a broken template must not leak a stack trace: fall back to one plain line. */
function renderError(res: Response, status: number, view: string, locals: object = {}): void {
  res.status(status)
  res.render(view, locals, (renderErr: Error | null, html?: string) => {
    if (renderErr) res.type('text/plain').send(`Error ${status}. Reference: ${res.locals.requestId}`)
    else res.send(html)
  })
}

function errorStatus(err: unknown): number {
  if (isDatabaseUnavailable(err)) return 503
  if (err instanceof NotFoundError || err instanceof TooManyRequestsError || err instanceof ConflictError)
    return err.status
  if (err instanceof ForbiddenError || err instanceof InvalidFieldError) return err.status
  const e = err as { code?: string; status?: number; statusCode?: number }
  if (e?.code === 'EBADCSRFTOKEN') return 403
  const status = e?.status ?? e?.statusCode
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500
}
