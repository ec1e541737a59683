import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Express } from 'express'

export interface EagerResponse {
  status: number
  location: string | undefined
  /** The body, for pages whose form (and CSRF token) the next step needs. */
  text(): Promise<string>
}

/**
 * A client that acts like a browser following a redirect: it has the status and the
 * Location as soon as the headers arrive, without waiting for the rest of the response,
 * and keeps cookies and the last page's CSRF token.
 */
export async function eagerClient(app: Express, host: string) {
  const server = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const { port } = server.address() as AddressInfo
  const jar = new Map<string, string>()
  let csrf = ''

  function send(method: string, path: string, form?: Record<string, string>): Promise<EagerResponse> {
    const body = form ? new URLSearchParams({ _csrf: csrf, ...form }).toString() : undefined
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          method,
          path,
          headers: {
            Host: host,
            Cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
            ...(body
              ? {
                  'Content-Type': 'application/x-www-form-urlencoded',
                  'Content-Length': Buffer.byteLength(body),
                }
              : {}),
          },
        },
        (res) => {
          for (const line of res.headers['set-cookie'] ?? []) {
            const [pair] = line.split(';')
            const eq = pair!.indexOf('=')
            jar.set(pair!.slice(0, eq), pair!.slice(eq + 1))
          }
          const chunks: Buffer[] = []
          const done = new Promise<string>((ok) => {
            res.on('data', (c: Buffer) => chunks.push(c))
            res.on('end', () => ok(Buffer.concat(chunks).toString('utf8')))
          })
          resolve({
            status: res.statusCode ?? 0,
            location: res.headers.location,
            async text() {
              const html = await done
              const match = /name="_csrf" value="([^"]+)"/.exec(html)
              if (match?.[1]) csrf = match[1]
              return html
            },
          })
        },
      )
      req.on('error', reject)
      req.end(body)
    })
  }

  return {
    async page(path: string) {
      const res = await send('GET', path)
      await res.text()
      return res
    },
    get: (path: string) => send('GET', path),
    post: (path: string, form: Record<string, string>) => send('POST', path, form),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
