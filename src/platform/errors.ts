/**
 * What can go wrong in a use case, in the domain's words. Services throw these; the one
 * error handler (http/errors.ts) turns each into its page and status.
 */
export class DomainError extends Error {}

/** The object does not exist for this user (or in this tenant): 404. */
export class NotFoundError extends DomainError {
  readonly status = 404
}

/** The user may not do this (a role, a service they lack): 403, and not "the form has expired". */
export class ForbiddenError extends DomainError {
  readonly status = 403
}

/** The object changed meanwhile (a stale form) or already exists: 409 with "reload and check". */
export class ConflictError extends DomainError {
  readonly status = 409
}

/** One field's value is refused by the domain (not by the form schema): 422 beside that field. */
export class InvalidFieldError extends DomainError {
  readonly status = 422
  readonly field: string
  /** The i18n key of the message. */
  readonly key: string
  constructor(field: string, key: string) {
    super(`invalid ${field}`)
    this.field = field
    this.key = key
  }
}

/** A rate limit is exhausted: 429 with Retry-After. */
export class TooManyRequestsError extends DomainError {
  readonly status = 429
  readonly retryAfterSeconds: number
  constructor(retryAfterSeconds: number) {
    super('too many requests')
    this.retryAfterSeconds = retryAfterSeconds
  }
}

/**
 * The process is busy with work that would only queue (password hashing under a burst of
 * sign-ins): 503 with Retry-After at once, rather than an answer seconds later.
 */
export class BusyError extends DomainError {
  readonly status = 503
  readonly retryAfterSeconds = 2
}

/** The tenant of this host is disabled by the platform's operators: 503, "not available". */
export class TenantUnavailableError extends DomainError {
  readonly status = 503
}
