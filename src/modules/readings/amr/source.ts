import {
  backOfficeUrl,
  BackOfficeRefusedError,
  BackOfficeUnavailableError,
  fetchBounded,
} from '../../../platform/backoffice.ts'
import { detectEncoding, read80020, type Header80020, type Interval80020 } from './format80020.ts'

/** An AMR user's credentials: used for one request and dropped (never stored, logged or queued). */
export interface AmrCredentials {
  login: string
  password: string
}

export interface AmrDay {
  header: Header80020
  intervals: Interval80020[]
}

/** Where a tenant's AMR data comes from (issue 19 item 9): its head-end, or a test's stand-in. */
export interface AmrSource {
  day(credentials: AmrCredentials, day: string): Promise<AmrDay>
}

/** The head-end refused the credentials. */
export class AmrLoginError extends BackOfficeRefusedError {}

/** The head-end could not be asked: down, too slow, or answering with an error of its own. */
export class AmrUnavailableError extends BackOfficeUnavailableError {}

/** A document far larger than a day of a customer's meters is not read at all. */
export const AMR_MAX_BYTES = 16 * 1024 * 1024

/**
 * The real adapter: `GET <headEnd>/amr/80020?day=` with HTTP Basic credentials, read as
 * 80020 (format80020.ts). Every wait is bounded by `timeoutMs`; no redirect is followed
 * (credentials stay with the host the tenant configured). Errors never carry the password.
 */
export function httpAmrSource(headEnd: string, options: { timeoutMs?: number } = {}): AmrSource {
  const timeoutMs = options.timeoutMs ?? 10_000
  return {
    async day(credentials, day) {
      const url = backOfficeUrl(headEnd, 'amr/80020')
      url.searchParams.set('day', day)
      const authorization = `Basic ${Buffer.from(`${credentials.login}:${credentials.password}`).toString('base64')}`
      const bytes = await fetchBounded(
        url,
        { headers: { authorization, accept: 'application/xml' } },
        {
          what: 'the AMR head-end',
          timeoutMs,
          maxBytes: AMR_MAX_BYTES,
          refused: (m) => new AmrLoginError(m),
          unavailable: (m, cause) => new AmrUnavailableError(m, { cause }),
        },
      )
      const encoding = await detectEncoding(bytes)
      let header: Header80020 | undefined
      const intervals: Interval80020[] = []
      for await (const item of read80020(bytes, encoding)) {
        if ('header' in item) header = item.header
        else if ('interval' in item) intervals.push(item.interval)
      }
      return { header: header!, intervals }
    },
  }
}
