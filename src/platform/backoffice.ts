/**
 * Calls to a utility's own systems (its AMR head-end, its customer system) on a
 * customer's behalf, with the customer's credentials for that one request: every wait
 * bounded, no redirect followed (credentials stay with the host the tenant configured),
 * the answer's size capped, and the three failures a page must tell apart kept apart.
 * No error message carries a credential.
 */

/** The system refused the credentials. */
export class BackOfficeRefusedError extends Error {}

/** The system could not be asked: down, too slow, too much, or answering with an error of its own. */
export class BackOfficeUnavailableError extends Error {}

export interface BackOfficeCall {
  /** How the system is named in errors and logs ("the AMR head-end"). */
  what: string
  timeoutMs: number
  maxBytes: number
  /** Make the refusal and unavailability errors (a module's own classes, usually subclasses). */
  refused?: (message: string) => Error
  unavailable?: (message: string, cause?: unknown) => Error
}

/** The body of a successful answer, as chunks. 401/403 are a refusal; anything else not 2xx, unavailability. */
export async function fetchBounded(url: URL, init: RequestInit, call: BackOfficeCall): Promise<Uint8Array[]> {
  const refused = call.refused ?? ((m: string) => new BackOfficeRefusedError(m))
  const unavailable =
    call.unavailable ?? ((m: string, cause?: unknown) => new BackOfficeUnavailableError(m, { cause }))
  let res: Response
  try {
    res = await fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(call.timeoutMs) })
  } catch (err) {
    const reason =
      (err as Error).name === 'TimeoutError' ? `no answer within ${call.timeoutMs} ms` : 'unreachable'
    throw unavailable(`${call.what} is ${reason}`, err)
  }
  if (res.status === 401 || res.status === 403) {
    await res.body?.cancel()
    throw refused(`${call.what} refused the credentials`)
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel()
    throw unavailable(`${call.what} answered ${res.status}`)
  }
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    for await (const chunk of res.body) {
      size += chunk.length
      if (size > call.maxBytes) break
      chunks.push(chunk)
    }
  } catch (err) {
    const reason =
      (err as Error).name === 'TimeoutError' ? `no answer within ${call.timeoutMs} ms` : 'cut off'
    throw unavailable(`${call.what} is ${reason}`, err)
  }
  if (size > call.maxBytes) {
    await res.body.cancel().catch(() => {})
    throw unavailable(`${call.what} sent more than ${call.maxBytes} bytes`)
  }
  return chunks
}

/**
 * An address a tenant may point the portal at for such calls: https, or http in
 * development and to this machine in production; no credentials, query or fragment in it.
 */
export function isBackOfficeUrl(value: string): boolean {
  try {
    const url = new URL(value)
    if (url.username || url.password || url.search || url.hash) return false
    if (url.protocol === 'https:') return true
    const local = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)
    return url.protocol === 'http:' && (local || process.env.NODE_ENV !== 'production')
  } catch {
    return false
  }
}

/** `path` under a configured base address, whether or not the base ends in a slash. */
export const backOfficeUrl = (base: string, path: string): URL =>
  new URL(path, base.endsWith('/') ? base : `${base}/`)
