import http from 'node:http'
import type { AddressInfo } from 'node:net'

interface Received {
  path: string
  headers: http.IncomingHttpHeaders
  body: string
}

/** A small receiver standing in for a customer's system: it records and answers as told. */
export async function startReceiver() {
  const received: Received[] = []
  /** Statuses to answer with, per path, in turn; then 204. */
  const answers = new Map<string, number[]>()
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() })
      res.statusCode = answers.get(req.url ?? '')?.shift() ?? 204
      res.end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    answers,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
