import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { send } from '../../src/modules/api/webhooks/send.ts'

/** Issue 22 item 8: one delivery's POST, bounded in time whatever the receiver does. */
describe('a webhook delivery', () => {
  let server: http.Server | undefined
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())))

  const receiver = async (handle: http.RequestListener) => {
    server = http.createServer(handle)
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`
  }

  it('is a success on a 2xx answer, and not on any other', async () => {
    const statuses = [204, 302, 500]
    const url = await receiver((req, res) => {
      req.resume()
      req.on('end', () => res.writeHead(statuses.shift()!, { Location: 'https://example.com/' }).end())
    })
    const results = []
    for (let i = 0; i < 3; i++) results.push(await send(url, '{}', {}, true, 2_000))
    expect(results.map((r) => [r.ok, r.statusCode, r.error])).toEqual([
      [true, 204, null],
      [false, 302, null],
      [false, 500, null],
    ])
  })

  it('gives up at its deadline on a receiver that answers a byte at a time', async () => {
    const url = await receiver((req, res) => {
      req.resume()
      res.writeHead(200)
      const drip = setInterval(() => res.write('.'), 100)
      res.on('close', () => clearInterval(drip))
    })
    const result = await send(url, '{}', {}, true, 1_000)
    expect([result.ok, result.statusCode, result.error]).toEqual([false, 200, 'timeout'])
    expect(result.durationMs).toBeGreaterThanOrEqual(990)
    expect(result.durationMs).toBeLessThan(5_000)
  })
})
