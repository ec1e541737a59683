import { createHmac, randomBytes } from 'node:crypto'
import http from 'node:http'
import https from 'node:https'
import { isIP } from 'node:net'
import { isPublicAddress, PrivateAddressError, publicLookup } from './address.ts'

/** A secret as shown once to the customer: `whsec_` and 256 random bits. */
export const newSecret = () => `whsec_${randomBytes(32).toString('base64url')}`

/**
 * The signature header of a delivery: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`.
 * The time is signed with the body, so a captured delivery cannot be replayed later
 * against a receiver that checks it (as Stripe's and Svix's receivers do).
 */
export function signature(secret: string, body: string, at: Date): string {
  const t = Math.floor(at.getTime() / 1000)
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`
}

export interface SendResult {
  ok: boolean
  statusCode: number | null
  /** Why it failed without an answer (timeout, refused, private address), in a word or two. */
  error: string | null
  durationMs: number
}

/** How long a receiver has to answer: a webhook is acknowledged, not processed, before answering. */
const TIMEOUT_MS = 10_000

/**
 * POSTs one delivery: no redirects followed, the answer's body read and dropped (at most
 * 64 kB), a 2xx is success — all within `timeoutMs` in total, so a receiver that answers
 * slowly, a byte at a time, cannot hold a worker. Loopback and private addresses are
 * refused unless allowed.
 */
export function send(
  url: string,
  body: string,
  headers: Record<string, string>,
  allowPrivate: boolean,
  timeoutMs = TIMEOUT_MS,
): Promise<SendResult> {
  const started = performance.now()
  const target = new URL(url)
  const client = target.protocol === 'https:' ? https : http
  // A literal address is connected to without a lookup, so it is judged here.
  const literal = target.hostname.replace(/^\[|\]$/g, '')
  if (!allowPrivate && isIP(literal) && !isPublicAddress(literal))
    return Promise.resolve({ ok: false, statusCode: null, error: 'private address', durationMs: 0 })
  return new Promise((resolve) => {
    let statusCode: number | null = null
    let settled = false
    const done = (error: string | null) => {
      if (settled) return
      settled = true
      clearTimeout(deadline)
      resolve({
        ok: error === null && statusCode !== null && statusCode >= 200 && statusCode < 300,
        statusCode,
        error,
        durationMs: Math.round(performance.now() - started),
      })
    }
    const req = client.request(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) },
        ...(allowPrivate ? {} : { lookup: publicLookup }),
        agent: false,
      },
      (res) => {
        statusCode = res.statusCode ?? null
        let read = 0
        res.on('data', (chunk: Buffer) => {
          read += chunk.length
          if (read > 65_536) res.destroy()
        })
        res.on('end', () => done(null))
        res.on('close', () => done(null))
      },
    )
    const deadline = setTimeout(() => {
      done('timeout')
      req.destroy()
    }, timeoutMs)
    req.on('error', (err: NodeJS.ErrnoException) =>
      done(err instanceof PrivateAddressError ? 'private address' : (err.code ?? err.message).slice(0, 100)),
    )
    req.end(body)
  })
}
