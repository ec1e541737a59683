import { z } from 'zod'
import {
  BackOfficeRefusedError,
  BackOfficeUnavailableError,
  backOfficeUrl,
  fetchBounded,
} from '../../platform/backoffice.ts'

/** A metering point as the utility's customer system lists it. */
export interface MeteringPoint {
  code: string
  name: string
  address: string
  voltageLevel: string
}

/** Where a power user's metering points come from (issue 20 item 4): the utility's customer system. */
export interface MeteringPointSource {
  /** The account's points as listed (a point may appear twice); the password is used for this call only. */
  query(account: string, password: string): Promise<{ customer: string; points: MeteringPoint[] }>
}

/** The customer system answered something that is not a list of points. */
export class MeteringPointsMalformedError extends BackOfficeUnavailableError {}

const Answer = z.object({
  customer: z.string().max(200),
  points: z
    .array(
      z.object({
        code: z.string().regex(/^[0-9A-Za-z-]{4,40}$/),
        name: z.string().max(100),
        address: z.string().max(300),
        voltageLevel: z.string().max(20),
      }),
    )
    .max(500),
})

/**
 * The real adapter: `POST <system>/customers/metering-points` with the account number and
 * query password as JSON (never in the address, where proxies log it). A refused login,
 * an unreachable system and a malformed answer are told apart; none carries the password.
 */
export function httpMeteringPointSource(
  base: string,
  options: { timeoutMs?: number } = {},
): MeteringPointSource {
  return {
    async query(account, password) {
      const chunks = await fetchBounded(
        backOfficeUrl(base, 'customers/metering-points'),
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ account, password }),
        },
        { what: 'the customer system', timeoutMs: options.timeoutMs ?? 10_000, maxBytes: 1024 * 1024 },
      )
      let parsed: unknown
      try {
        parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'))
      } catch (err) {
        throw new MeteringPointsMalformedError('the customer system sent no JSON', { cause: err })
      }
      const answer = Answer.safeParse(parsed)
      if (!answer.success)
        throw new MeteringPointsMalformedError('the customer system sent no list of points')
      return answer.data
    },
  }
}

/** What a page says of a failed query: the login (beside the fields) or the system (the page). */
export function queryFailure(err: unknown): 'login' | 'down' | 'malformed' | undefined {
  if (err instanceof BackOfficeRefusedError) return 'login'
  if (err instanceof MeteringPointsMalformedError) return 'malformed'
  if (err instanceof BackOfficeUnavailableError) return 'down'
  return undefined
}
