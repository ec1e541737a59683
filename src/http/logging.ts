import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { RequestHandler } from 'express'
import { pino, type Logger, type DestinationStream } from 'pino'
import { pinoHttp } from 'pino-http'

/** Secrets never reach the log, wherever they appear in a logged object. */
export const REDACT_PATHS = [
  'req.headers.cookie',
  'req.headers.authorization',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.newPassword',
  '*.token',
  '*.code',
  '*.secret',
  '*._csrf',
]

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, destination)
}

/** pino-http types the id loosely; ours is always the string genReqId made. */
export function requestIdOf(req: { id?: unknown }): string {
  return typeof req.id === 'string' ? req.id : ''
}

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/

/**
 * The routes whose last path segment is an emailed link's secret (reset, confirmation,
 * change of email, staff set-password, an invitation to act for an account). Whoever reads
 * the logs must not be able to use them.
 */
const TOKEN_PATHS =
  /^(\/(?:password\/reset|confirm|account\/email\/confirm|admin\/set-password|invitations)\/)[^/?#]+/

/** Strips secrets from a logged URL: path tokens by route, and query values that may carry one. */
export function safeUrl(url: string | undefined): string | undefined {
  return (
    url
      ?.replace(TOKEN_PATHS, '$1[redacted]')
      .replace(/([?&](?:_csrf|token|code|issued)=)[^&]*/g, '$1[redacted]')
      // The sign-in page's way back to an invitation names its secret.
      .replace(/([?&]next=)[^&]*invitations[^&]*/gi, '$1[redacted]')
  )
}

export function requestLogger(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const given = req.headers['x-request-id']
      const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID()
      res.setHeader('X-Request-Id', id)
      return id
    },
    customProps: (_req, res) => {
      const locals = (res as ServerResponse & { locals?: Express.Locals }).locals
      return { tenant: locals?.tenant?.slug, user: locals?.ctx?.actor.id ?? undefined }
    },
    serializers: {
      req: (req: { id: unknown; method: string; url: string; remoteAddress?: string }) => ({
        id: req.id,
        method: req.method,
        url: safeUrl(req.url),
        remoteAddress: req.remoteAddress,
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    customLogLevel: (_req, res, err) =>
      err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
  }) as RequestHandler
}
