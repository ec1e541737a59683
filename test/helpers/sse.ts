import http from 'node:http'

export interface Stream {
  status: number
  events: { id: string; data: unknown }[]
  waitFor(count: number): Promise<void>
  /** Resolves when the server ends the stream; rejects if it is still open after `ms`. */
  waitForEnd(ms?: number): Promise<void>
  close(): void
}

/** An EventSource as a browser holds it: one long response, read event by event. */
export function openStream(port: number, host: string, path: string, headers: Record<string, string> = {}) {
  return new Promise<Stream>((resolve, reject) => {
    const events: Stream['events'] = []
    let buffer = ''
    const req = http.get(
      { port, path, headers: { Host: host, Accept: 'text/event-stream', ...headers } },
      (res) => {
        let ended = false
        res.on('end', () => (ended = true))
        res.on('close', () => (ended = true))
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          buffer += chunk
          let end
          while ((end = buffer.indexOf('\n\n')) !== -1) {
            const block = buffer.slice(0, end)
            buffer = buffer.slice(end + 2)
            const id = /^id: (.*)$/m.exec(block)?.[1]
            const data = /^data: (.*)$/m.exec(block)?.[1]
            if (id && data) events.push({ id, data: JSON.parse(data) })
          }
        })
        resolve({
          status: res.statusCode ?? 0,
          events,
          async waitFor(count) {
            const until = Date.now() + 5_000
            while (events.length < count && Date.now() < until) await new Promise((r) => setTimeout(r, 20))
            if (events.length < count) throw new Error(`only ${events.length} of ${count} events arrived`)
          },
          async waitForEnd(ms = 5_000) {
            const until = Date.now() + ms
            while (!ended && Date.now() < until) await new Promise((r) => setTimeout(r, 20))
            if (!ended) throw new Error(`the stream was still open after ${ms} ms`)
          },
          close: () => req.destroy(),
        })
      },
    )
    req.on('error', reject)
  })
}
