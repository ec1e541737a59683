import type { ErrorRequestHandler, RequestHandler, Response, Router } from 'express'
import type { Logger } from 'pino'
import { z, type ZodError } from 'zod'
import type { ZodOpenApiPathsObject } from 'zod-openapi'
import type { TFunction } from '../platform/i18n/index.ts'
import {
  ConflictError,
  ForbiddenError,
  InvalidFieldError,
  NotFoundError,
  TenantUnavailableError,
  TooManyRequestsError,
} from '../platform/errors.ts'

/**
 * What a module serves under `/api` (issue 22): its routes (by their whole path, `/api/v1/…`),
 * behind the API module's token gate, and their description for the OpenAPI document (paths
 * under the server `/api`), made from the same zod schemas the handlers parse and answer with.
 */
export interface ApiResources {
  router: Router
  paths: ZodOpenApiPathsObject
  /**
   * Writes whose JSON may exceed the API's 512 kB (a meter's photo in base64), up to 15 MB:
   * the method and the path under `/api`.
   */
  largeBodies?: { method: string; path: RegExp }[]
}

/** An instant in answers: RFC 3339 with its offset. */
export const Instant = z.iso.datetime({ offset: true }).meta({ description: 'RFC 3339, with offset' })
/** A calendar day in answers. */
export const Day = z.iso.date().meta({ description: 'A calendar day, YYYY-MM-DD' })

/** A list's paging in the query: a page size and the cursor a previous page's `next` gave. */
export const PageQuery = z.object({
  limit: z.coerce
    .number('api.errors.limit')
    .int('api.errors.limit')
    .min(1, 'api.errors.limit')
    .max(100, 'api.errors.limit')
    .default(25),
  cursor: z.string().max(200).optional().meta({ description: 'From the previous page’s `next`' }),
})

/** The problem document, as the OpenAPI document describes every error answer. */
export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string(),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z.array(z.object({ pointer: z.string(), detail: z.string() })).optional(),
  })
  .meta({ id: 'Problem' })

/** The error answers an operation may give, for its `responses` in the document. */
export function problemResponses(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      String(status),
      { description: 'A problem document', content: { 'application/problem+json': { schema: Problem } } },
    ]),
  )
}

export interface FieldProblem {
  /** A JSON pointer into the request: `/query/limit`, `/body/intervals/3/value`. */
  pointer: string
  detail: string
}

/** Each problem's code and its title, which stays English and never changes (clients may show it). */
export const PROBLEMS = {
  unauthorized: 'Missing or unusable token',
  forbidden: 'Not allowed',
  scope: 'Token scope missing',
  notFound: 'Not found',
  conflict: 'Conflict',
  closed: 'Closed for changes',
  stale: 'Precondition failed',
  preconditionRequired: 'Precondition required',
  idempotencyMismatch: 'Idempotency-Key reused',
  invalid: 'Invalid request',
  badJson: 'Malformed JSON',
  tooLarge: 'Request too large',
  unsupportedMediaType: 'Unsupported media type',
  tooMany: 'Too many requests',
  unavailable: 'Service unavailable',
  internal: 'Internal error',
} as const

export type ProblemCode = keyof typeof PROBLEMS

/**
 * An RFC 9457 problem: a stable `code` (also the `type`'s fragment), the English `title`,
 * and `detail` in the language of `Accept-Language`.
 */
export function problem(
  res: Response,
  status: number,
  code: ProblemCode,
  extra: { errors?: FieldProblem[]; params?: Record<string, unknown> } = {},
): void {
  const t = res.locals.t
  res
    .status(status)
    .type('application/problem+json')
    .json({
      type: `/api/v1/problems#${code}`,
      title: PROBLEMS[code],
      status,
      code,
      detail: t(`api.problems.${code}`, extra.params ?? {}),
      instance: res.locals.requestId ? `urn:request:${String(res.locals.requestId)}` : undefined,
      ...(extra.errors ? { errors: extra.errors } : {}),
    })
}

/** A query or body that does not parse: 422 with each field's message at its JSON pointer. */
export function invalid(res: Response, where: 'query' | 'body', error: ZodError): void {
  const t = res.locals.t
  problem(res, 422, 'invalid', {
    errors: error.issues.map((issue) => ({
      pointer: `/${[where, ...issue.path.map(String)].join('/')}`,
      detail: issue.message.startsWith('api.') ? t(issue.message) : t('api.problems.field'),
    })),
  })
}

/** The API's own last handler: every error a problem document, never an HTML page or a stack. */
export function apiErrors(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err)
    if (err instanceof NotFoundError) return problem(res, 404, 'notFound')
    if (err instanceof ForbiddenError) return problem(res, 403, 'forbidden')
    if (err instanceof ConflictError) return problem(res, 409, 'conflict')
    if (err instanceof TooManyRequestsError) {
      res.set('Retry-After', String(err.retryAfterSeconds))
      return problem(res, 429, 'tooMany')
    }
    if (err instanceof InvalidFieldError)
      return problem(res, 422, 'invalid', {
        errors: [{ pointer: `/body/${err.field}`, detail: res.locals.t(err.key) }],
      })
    const body = (err as { type?: string; status?: number }).type === 'entity.parse.failed'
    if (body) return problem(res, 400, 'badJson')
    if ((err as { status?: number }).status === 413) return problem(res, 413, 'tooLarge')
    logger.error({ err, reqId: req.id }, 'API request failed')
    problem(res, 500, 'internal')
  }
}

/**
 * Errors before the API's own handlers, from finding the tenant by host: an unknown host is
 * a 404 and a disabled tenant a 503, as problem documents in English (no tenant, no
 * language) rather than the pages' HTML.
 */
export function apiHostErrors(t: TFunction): ErrorRequestHandler {
  return (err: unknown, _req, res, next) => {
    if (res.headersSent || !(err instanceof NotFoundError || err instanceof TenantUnavailableError))
      return next(err)
    res.locals.t = t
    problem(
      res,
      err instanceof NotFoundError ? 404 : 503,
      err instanceof NotFoundError ? 'notFound' : 'unavailable',
    )
  }
}

/** A resource's scope: a token without it is told so (403), before anything is read. */
export function requireScope(scope: string): RequestHandler {
  return (_req, res, next) => {
    if (res.locals.apiToken?.scopes.includes(scope)) return next()
    problem(res, 403, 'scope', { params: { scope } })
  }
}
