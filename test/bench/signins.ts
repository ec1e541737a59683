import http from 'node:http'
import { monitorEventLoopDelay } from 'node:perf_hooks'

/** Sign-ins per second the bench sends while the home page is measured (issue 18 item 9). */
export const SIGNINS_PER_SECOND = 20

function request(
  url: string,
  options: { method: string; headers: Record<string, string>; body?: string },
): Promise<{ status: number; body: string; cookie: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method, headers: options.headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body, cookie: res.headers['set-cookie']?.[0]?.split(';')[0] }),
      )
    })
    req.on('error', reject)
    req.end(options.body)
  })
}

/**
 * The histogram records the whole time between its timer's turns, sampling interval
 * included: an idle loop reads 10.2 ms at p99 with a 10 ms interval (Node 24). The delay is
 * what is over the interval.
 */
const LOOP_RESOLUTION_MS = 10

/**
 * For `seconds`, SIGNINS_PER_SECOND sign-ins a second, each from its own address (the app
 * trusts one proxy hop here) and for an unknown login, so neither throttle stops it before
 * the password check — which hashes a dummy for an unknown login, as much work as a real
 * one. Meanwhile the event loop's delay is sampled. Returns the answers' statuses and the
 * loop's p99 delay in ms.
 */
export async function signInBurst(
  url: string,
  host: string,
  seconds: number,
): Promise<{ statuses: Record<number, number>; loopP99: number }> {
  const statuses: Record<number, number> = {}
  const attempts: Promise<void>[] = []
  const one = async (i: number) => {
    const forwarded = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`
    const page = await request(`${url}/login`, {
      method: 'GET',
      headers: { host, 'x-forwarded-for': forwarded },
    })
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? ''
    const body = new URLSearchParams({
      _csrf: csrf,
      login: `nobody${i}@bench.example`,
      password: 'not the password 1',
    })
    const answer = await request(`${url}/login`, {
      method: 'POST',
      headers: {
        host,
        'x-forwarded-for': forwarded,
        'content-type': 'application/x-www-form-urlencoded',
        ...(page.cookie ? { cookie: page.cookie } : {}),
      },
      body: body.toString(),
    })
    statuses[answer.status] = (statuses[answer.status] ?? 0) + 1
  }
  const total = seconds * SIGNINS_PER_SECOND
  const { loopP99 } = await loopDelayDuring(async () => {
    for (let i = 0; i < total; i++) {
      attempts.push(one(i).catch(() => void (statuses[0] = (statuses[0] ?? 0) + 1)))
      await new Promise((r) => setTimeout(r, 1000 / SIGNINS_PER_SECOND))
    }
    await Promise.all(attempts)
  })
  return { statuses, loopP99 }
}

/** What `work` returns, and the event loop's p99 delay in ms while it ran. */
export async function loopDelayDuring<T>(work: () => Promise<T>): Promise<{ value: T; loopP99: number }> {
  const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS })
  loop.enable()
  try {
    const value = await work()
    return { value, loopP99: loop.percentile(99) / 1e6 - LOOP_RESOLUTION_MS }
  } finally {
    loop.disable()
  }
}
