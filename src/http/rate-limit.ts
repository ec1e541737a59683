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

export interface CredentialThrottle {
  /** Seconds to wait if any of these keys is blocked now; undefined when the attempt may go ahead. */
  blocked(account: string, ip: string): Promise<number | undefined>
  /** Records a failed attempt against the account and the IP. */
  failed(account: string, ip: string): Promise<void>
  /** A success clears the account's short-term count (not the IP's). */
  succeeded(account: string): Promise<void>
}

/**
 * One throttle for every credential path (login, reset, token redemption, registration).
 * Per account: 5 failures in 15 minutes block it for a minute, 20 in a day for half an
 * hour — growing delays that release themselves, so nobody can lock a customer out for
 * good. Per IP: 50 failures in 15 minutes block that address for 15 minutes.
 * Keys are scoped by tenant and hashed-in-place by the caller's normalisation.
 */
export function createCredentialThrottle(pool: pg.Pool, name: string): CredentialThrottle {
  const short = createLimiter(pool, {
    keyPrefix: `${name}:acct:short`,
    points: 5,
    durationSeconds: 900,
    blockSeconds: 60,
  })
  const long = createLimiter(pool, {
    keyPrefix: `${name}:acct:long`,
    points: 20,
    durationSeconds: 86_400,
    blockSeconds: 1_800,
  })
  const perIp = createLimiter(pool, {
    keyPrefix: `${name}:ip`,
    points: 50,
    durationSeconds: 900,
    blockSeconds: 900,
  })
  const pairs = (account: string, ip: string): [Limiter, string][] => [
    [short, account],
    [long, account],
    [perIp, ip],
  ]
  return {
    async blocked(account, ip) {
      let wait = 0
      for (const [limiter, key] of pairs(account, ip)) {
        const res = await limiter.get(key)
        if (res && res.remainingPoints <= 0 && res.msBeforeNext > 0) wait = Math.max(wait, res.msBeforeNext)
      }
      return wait > 0 ? Math.ceil(wait / 1000) : undefined
    },
    async failed(account, ip) {
      for (const [limiter, key] of pairs(account, ip)) {
        await limiter.penalty(key, 1)
        const res = await limiter.get(key)
        if (res && res.consumedPoints >= limiter.points) await limiter.block(key, limiter.blockDuration)
      }
    },
    async succeeded(account) {
      await short.delete(account)
    },
  }
}
