import type { Request, RequestHandler } from 'express'
import type pg from 'pg'
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible'
import { TooManyRequestsError } from '../platform/errors.ts'

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
  /**
   * Reserves one attempt under the account and the IP *before* the credential is checked,
   * atomically in the shared store, so a burst of concurrent guesses cannot all slip in
   * between a check and a record. Throws TooManyRequestsError when either budget is spent.
   */
  attempt(account: string, ip: string): Promise<Attempt>
}

export interface Attempt {
  /** The credential was right: the attempt is refunded and the account's short-term count cleared. */
  succeeded(): Promise<void>
}

/**
 * One throttle for every credential path (login, reset, token redemption, registration,
 * current-password checks). Per account: 5 attempts in 15 minutes block it for a minute,
 * 20 in a day for half an hour — growing delays that release themselves, so nobody can
 * lock a customer out for good. Per IP: 50 in 15 minutes block that address for 15
 * minutes (`perIpPoints` raises that where many honest people share one address and the
 * per-account key is what guards). Successful attempts are refunded, so only failures add up.
 */
export function createCredentialThrottle(
  pool: pg.Pool,
  name: string,
  options: { perIpPoints?: number } = {},
): CredentialThrottle {
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
    points: options.perIpPoints ?? 50,
    durationSeconds: 900,
    blockSeconds: 900,
  })
  return {
    async attempt(account, ip) {
      const reserved: [Limiter, string][] = [
        [short, account],
        [long, account],
        [perIp, ip],
      ]
      let wait = 0
      // The first refusal ends it: an attempt refused unchecked is no guess, so it must not
      // use up the longer budgets (a burst of 30 on one account used to spend 30 of its 20 a
      // day, and one of its first five could find the daily budget gone before it got there).
      for (const [limiter, key] of reserved) {
        try {
          await limiter.consume(key)
        } catch (err) {
          if (!(err instanceof RateLimiterRes)) throw err
          wait = err.msBeforeNext
          break
        }
      }
      if (wait > 0) throw new TooManyRequestsError(Math.max(1, Math.ceil(wait / 1000)))
      return {
        async succeeded() {
          await short.delete(account)
          await long.reward(account, 1)
          await perIp.reward(ip, 1)
        },
      }
    },
  }
}
