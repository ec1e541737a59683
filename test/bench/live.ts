import http from 'node:http'
import type { Knex } from 'knex'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { publish } from '../../src/platform/live.ts'

export const STREAMS = 500
export const TOPICS = 100
export const MESSAGES_PER_SECOND = 10

interface Reader {
  received: Map<number, number>
  close(): void
}

/** An EventSource as a browser holds it; records when each message (by its number) arrived. */
function follow(port: number, host: string, topic: string): Promise<{ status: number; reader: Reader }> {
  return new Promise((resolve, reject) => {
    const received = new Map<number, number>()
    let buffer = ''
    const req = http.get(
      { port, path: `/probe/live/${topic}`, headers: { host, accept: 'text/event-stream' } },
      (res) => {
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          buffer += chunk
          let end
          while ((end = buffer.indexOf('\n\n')) !== -1) {
            const data = /^data: (.*)$/m.exec(buffer.slice(0, end))?.[1]
            buffer = buffer.slice(end + 2)
            if (data) {
              const { n, sentAt } = JSON.parse(data) as { n: number; sentAt: number }
              received.set(n, Date.now() - sentAt)
            }
          }
        })
        resolve({ status: res.statusCode ?? 0, reader: { received, close: () => req.destroy() } })
      },
    )
    req.on('error', reject)
  })
}

/**
 * Live fan-out: STREAMS open pages over TOPICS conversations of one tenant, and
 * MESSAGES_PER_SECOND messages to random conversations for `seconds`. Every message
 * must reach every page that follows its conversation; prints the delivery p99 and how
 * many streams were refused (a 503 is the pool running dry).
 */
export async function benchLiveFanOut(
  db: Knex,
  port: number,
  host: string,
  tenantId: string,
  seconds: number,
): Promise<{ delivered: number; expected: number; p99: number; refused: number }> {
  const readers: { topic: number; reader: Reader }[] = []
  let refused = 0
  for (let i = 0; i < STREAMS; i++) {
    const topic = i % TOPICS
    const { status, reader } = await follow(port, host, `bench${topic}`)
    if (status === 200) readers.push({ topic, reader })
    else {
      refused += 1
      reader.close()
    }
  }
  const sent: { n: number; topic: number }[] = []
  const total = seconds * MESSAGES_PER_SECOND
  for (let n = 0; n < total; n++) {
    const topic = Math.floor(Math.random() * TOPICS)
    sent.push({ n, topic })
    await withTenant(db, tenantId, (trx) =>
      publish(trx, tenantId, `probe:bench${topic}`, { n, sentAt: Date.now() }),
    )
    await new Promise((r) => setTimeout(r, 1000 / MESSAGES_PER_SECOND))
  }
  await new Promise((r) => setTimeout(r, 2000))
  const latencies: number[] = []
  let expected = 0
  for (const { n, topic } of sent)
    for (const r of readers.filter((x) => x.topic === topic)) {
      expected += 1
      const ms = r.reader.received.get(n)
      if (ms !== undefined) latencies.push(ms)
    }
  for (const r of readers) r.reader.close()
  latencies.sort((a, b) => a - b)
  return {
    delivered: latencies.length,
    expected,
    p99: latencies[Math.floor(latencies.length * 0.99)] ?? NaN,
    refused,
  }
}
