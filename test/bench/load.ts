/** What the bench's cases share: servers on a free port, sessions, and load with its figures. */
import http, { type Server } from 'node:http'
import { readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import autocannon from 'autocannon'
import type express from 'express'

export const DURATION = Number(process.env.BENCH_SECONDS ?? 10)
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10)

export async function listen(app: express.Express): Promise<{ server: Server; url: string }> {
  const server = app.listen(0, '127.0.0.1')
  await new Promise((r) => server.once('listening', r))
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

/** fetch() will not send a Host header of our choosing, so plain http.get. */
export function sessionCookie(url: string, host: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(`${url}${path}`, { headers: { host } }, (res) => {
        res.resume()
        const cookie = res.headers['set-cookie']?.[0]?.split(';')[0]
        if (cookie) resolve(cookie)
        else reject(new Error(`no session cookie from ${path}`))
      })
      .on('error', reject)
  })
}

export interface Result {
  name: string
  rps: number
  p99: number
  non2xx: number
  /** The machine's idle share of CPU time during the run (all cores): 0 means saturated. */
  idle: number
  /** The minimal app's rate in blocks alternating with this case's (`runBeside`). */
  baseline?: number
  /** Round trips to Postgres of one request: statements sent (session store included), transactions. */
  cost?: { statements: number; transactions: number }
}

/** Idle and total CPU time of the machine so far (Linux /proc/stat, every core). */
function cpuTimes(): { idle: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number)
  return { idle: fields[3]! + fields[4]!, total: fields.reduce((a, b) => a + b, 0) }
}

export async function run(
  name: string,
  url: string,
  host: string,
  cookie: string,
  page = '/',
  seconds = DURATION,
): Promise<Result> {
  const before = cpuTimes()
  const result = await autocannon({
    url: `${url}${page}`,
    duration: seconds,
    connections: CONNECTIONS,
    headers: { host, cookie, 'accept-language': 'pl' },
  })
  const non2xx = result.non2xx + result.errors
  if (non2xx) process.stderr.write(`${name}: ${JSON.stringify(result.statusCodeStats)}\n`)
  const after = cpuTimes()
  const idle = (after.idle - before.idle) / Math.max(1, after.total - before.total)
  return { name, rps: result.requests.average, p99: result.latency.p99, non2xx, idle }
}

export interface Target {
  name: string
  url: string
  host: string
  cookie: string
  page?: string
}

/**
 * `target` and the `beside` it is compared with, in alternating blocks (`beside` first)
 * that together take each DURATION: this machine's speed moves by 2× within minutes, so
 * a baseline measured once at the start of a run is no measure of a case ten minutes
 * later. Rates are the blocks' mean; p99 is the worst block's; idle is the target's.
 */
export async function runBeside(
  target: Target,
  beside: Target,
  blocks = BLOCKS,
): Promise<{ target: Result; beside: Result }> {
  const seconds = Math.max(1, Math.round(DURATION / blocks))
  const runs: { target: Result[]; beside: Result[] } = { target: [], beside: [] }
  for (let i = 0; i < blocks; i++)
    for (const [key, t] of [
      ['beside', beside],
      ['target', target],
    ] as const)
      runs[key].push(await run(t.name, t.url, t.host, t.cookie, t.page, seconds))
  const merge = (rs: Result[]): Result => ({
    name: rs[0]!.name,
    rps: rs.reduce((sum, r) => sum + r.rps, 0) / rs.length,
    p99: Math.max(...rs.map((r) => r.p99)),
    non2xx: rs.reduce((sum, r) => sum + r.non2xx, 0),
    idle: rs.reduce((sum, r) => sum + r.idle, 0) / rs.length,
  })
  return { target: merge(runs.target), beside: merge(runs.beside) }
}

/** Blocks per pair in `runBeside`: each side gets DURATION in all. */
export const BLOCKS = Number(process.env.BENCH_BLOCKS ?? 4)

/** One GET, read to its end; refused unless 200. */
export function once(url: string, host: string, cookie: string, path: string): Promise<void> {
  return new Promise<void>((resolve, reject) =>
    http
      .get(`${url}${path}`, { headers: { host, cookie } }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`${path} answered ${res.statusCode}`))
        res.resume()
        res.on('end', () => resolve())
      })
      .on('error', reject),
  )
}

/** One request at a time, so the time is the server's, not the queue's: the median of `n` after a first. */
export async function serverTime(
  url: string,
  host: string,
  cookie: string,
  path: string,
  n = 20,
): Promise<number> {
  const times: number[] = []
  for (let i = 0; i <= n; i++) {
    const started = performance.now()
    await once(url, host, cookie, path)
    if (i > 0) times.push(performance.now() - started)
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!
}

/** Load of one write request (the same one again and again); a redirect counts as an answer. */
export async function runRequest(
  name: string,
  url: string,
  request: { method: 'POST' | 'PUT'; path: string; headers: Record<string, string>; body: string },
): Promise<Result> {
  const before = cpuTimes()
  const result = await autocannon({
    url: `${url}${request.path}`,
    duration: DURATION,
    connections: CONNECTIONS,
    method: request.method,
    headers: request.headers,
    body: request.body,
  })
  const refused = result['4xx'] + result['5xx'] + result.errors
  if (refused) process.stderr.write(`${name}: ${JSON.stringify(result.statusCodeStats)}\n`)
  const after = cpuTimes()
  const idle = (after.idle - before.idle) / Math.max(1, after.total - before.total)
  return { name, rps: result.requests.average, p99: result.latency.p99, non2xx: refused, idle }
}
