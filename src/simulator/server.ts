import { timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { isRealDay } from '../platform/time/intervals.ts'
import { DEMO_AMR_ACCOUNTS, document80020, type AmrAccount } from './amr.ts'
import { DEMO_METERING_ACCOUNTS, meteringPointsOf, type MeteringAccount } from './customers.ts'

export interface SimulatorOptions {
  amrAccounts?: readonly AmrAccount[]
  meteringAccounts?: readonly MeteringAccount[]
  now?: () => Date
  /** Told of each webhook delivery received (the command prints a line). */
  onWebhook?: (received: ReceivedWebhook) => void
}

/** A webhook delivery as the simulator's receiver kept it. */
export interface ReceivedWebhook {
  at: string
  path: string
  event: string | null
  delivery: string | null
  signature: string | null
  body: string
}

/** Deliveries the receiver keeps to show, newest first. */
const WEBHOOKS_KEPT = 50

const same = (a: string, b: string) => {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** The AMR user a request's Basic credentials name, if they are right. */
function accountOf(header: string | undefined, accounts: readonly AmrAccount[]): AmrAccount | undefined {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? '')
  if (!match) return undefined
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) return undefined
  const login = decoded.slice(0, colon)
  const password = decoded.slice(colon + 1)
  const account = accounts.find((a) => a.login === login)
  return account && same(account.password, password) ? account : undefined
}

/**
 * The back-office simulator: a separate HTTP server standing in for a utility's systems
 * (issue 19 item 10). The AMR head-end: `GET /amr/80020?day=YYYY-MM-DD` with HTTP Basic
 * credentials of an AMR user answers that day's 80020 document for the user's meters,
 * written as the account says (windows-1251 or UTF-8, with or without a declaration).
 * The customer system (issue 20 item 4): `POST /customers/metering-points` with a JSON
 * account number and query password answers the account's metering points. The
 * customer's own system (issue 22 item 8): `POST /webhooks/…` takes a webhook delivery
 * (answers 204) and `GET /webhooks` shows the latest 50, for trying webhooks in development.
 * It keeps nothing else and logs no credentials.
 */
export function createSimulator(options: SimulatorOptions = {}): Server {
  const accounts = options.amrAccounts ?? DEMO_AMR_ACCOUNTS
  const meteringAccounts = options.meteringAccounts ?? DEMO_METERING_ACCOUNTS
  const now = options.now ?? (() => new Date())
  const webhooks: ReceivedWebhook[] = []
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://simulator')
    if (req.method === 'POST' && url.pathname.startsWith('/webhooks')) {
      readBody(req, 65_536, (body) => {
        if (body === undefined) return void res.writeHead(413).end()
        const header = (name: string) => (typeof req.headers[name] === 'string' ? req.headers[name] : null)
        const received = {
          at: now().toISOString(),
          path: url.pathname,
          event: header('kabinet-event'),
          delivery: header('kabinet-delivery'),
          signature: header('kabinet-signature'),
          body,
        }
        webhooks.unshift(received)
        webhooks.length = Math.min(webhooks.length, WEBHOOKS_KEPT)
        options.onWebhook?.(received)
        res.writeHead(204).end()
      })
      return
    }
    if (req.method === 'GET' && url.pathname === '/webhooks') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(webhooks))
      return
    }
    if (req.method === 'POST' && url.pathname === '/customers/metering-points') {
      readJson(
        req,
        (body) => {
          const { account, password } = (body ?? {}) as { account?: unknown; password?: unknown }
          const found =
            typeof account === 'string' && typeof password === 'string'
              ? meteringPointsOf(meteringAccounts, account, password)
              : null
          if (!found) {
            res
              .writeHead(401, { 'Content-Type': 'application/json' })
              .end('{"error":"unknown account or password"}')
            return
          }
          res
            .writeHead(200, { 'Content-Type': 'application/json' })
            .end(JSON.stringify({ account, ...found }))
        },
        () => res.writeHead(400, { 'Content-Type': 'text/plain' }).end('a JSON body expected'),
      )
      return
    }
    if (req.method !== 'GET' || url.pathname !== '/amr/80020') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found')
      return
    }
    const account = accountOf(req.headers.authorization, accounts)
    if (!account) {
      res
        .writeHead(401, { 'WWW-Authenticate': 'Basic realm="AMR"', 'Content-Type': 'text/plain' })
        .end('unknown user')
      return
    }
    const day = url.searchParams.get('day') ?? ''
    if (!isRealDay(day)) {
      res.writeHead(400, { 'Content-Type': 'text/plain' }).end('day=YYYY-MM-DD expected')
      return
    }
    const body = document80020(account, day, now())
    res.writeHead(200, { 'Content-Type': 'application/xml', 'Content-Length': body.length }).end(body)
  })
}

/** A body of at most `max` bytes as text, or undefined when larger. */
function readBody(req: IncomingMessage, max: number, done: (body: string | undefined) => void): void {
  const chunks: Buffer[] = []
  let size = 0
  req.on('data', (chunk: Buffer) => {
    size += chunk.length
    if (size <= max) chunks.push(chunk)
  })
  req.on('end', () => done(size > max ? undefined : Buffer.concat(chunks).toString('utf8')))
}

/** A small JSON body (at most 4 KB), or `bad` for anything else. */
function readJson(req: IncomingMessage, done: (body: unknown) => void, bad: () => void): void {
  readBody(req, 4096, (text) => {
    if (text === undefined) return bad()
    try {
      done(JSON.parse(text))
    } catch {
      bad()
    }
  })
}

/** Starts the simulator on `port` (0: a free one) of `host`; its base URL. */
export async function startSimulator(port: number, options: SimulatorOptions & { host?: string } = {}) {
  const server = createSimulator(options)
  const host = options.host ?? '127.0.0.1'
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  return { server, url: `http://${host}:${(server.address() as AddressInfo).port}` }
}
