import type { Request, RequestHandler } from 'express'
import type pg from 'pg'
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible'
import { TooManyRequestsError } from './errors.ts'

export interface LimiterSpec {
  keyPrefix: string
  points: number
  durationSeconds: number
  blockSeconds?: number
}

export type Limiter = RateLimiterPostgres

/** Limits live in Postgres, so every app process behind the balancer shares them. */
export function createLimiter(pool: pg.Pool, spec: LimiterSpec): Limiter {
  return new RateLimiterPostgres({
    storeClient: pool,
    storeType: 'pool',
    tableName: 'rate_limits',
    tableCreated: true,
    keyPrefix: spec.keyPrefix,
    points: spec.points,
    duration: spec.durationSeconds,
    blockDuration: spec.blockSeconds ?? 0,
    clearExpiredByTimeout: false,
  })
}

/**
 * Spends one point per request under each key `keys(req)` returns (e.g. the IP and the
 * account). `req.ip` honours `trust proxy` as a hop count, so a client cannot pick its
 * own X-Forwarded-For and reset the budget.
 */
export function rateLimit(limiter: Limiter, keys: (req: Request) => string[]): RequestHandler {
  return async (req, res, next) => {
    const tenant = res.locals.tenant?.id ?? 'platform'
    try {
      for (const key of keys(req)) await limiter.consume(`${tenant}:${key}`)
      next()
    } catch (err) {
      if (err instanceof RateLimiterRes) {
        return next(new TooManyRequestsError(Math.max(1, Math.ceil(err.msBeforeNext / 1000))))
      }
      throw err
    }
  }
}

export const byIp = (req: Request): string[] => [`ip:${req.ip ?? 'unknown'}`]
