import pg from 'pg'
import type { Knex } from 'knex'

export interface Listener {
  /**
   * Calls `onMessage` for every NOTIFY on `channel`, and `onReconnect` after the connection
   * was lost and is back (messages sent meanwhile are gone: catch up from the database).
   */
  listen(channel: string, onMessage: (payload: string) => void, onReconnect?: () => void): Promise<void>
  close(): Promise<void>
}

export interface ListenerOptions {
  onError?: (err: Error) => void
  heartbeatMs?: number
  maxBackoffMs?: number
}

const CHANNEL = /^[a-z_]+$/

/**
 * One dedicated connection per process for LISTEN (never a pooled one: a pool closes idle
 * clients and the LISTEN dies with them, silently). It reconnects with backoff, LISTENs
 * again, tells each subscriber to catch up, and a heartbeat finds a connection that died
 * without an error (a restarted or frozen server).
 */
export function createListener(url: string, options: ListenerOptions = {}): Listener {
  const onError = options.onError ?? (() => {})
  const subscribers = new Map<string, { onMessage: (payload: string) => void; onReconnect?: () => void }>()
  let client: pg.Client | undefined
  let closing = false
  let connecting: Promise<void> | undefined
  let failures = 0
  let everConnected = false
  let retry: NodeJS.Timeout | undefined

  const drop = (failed: pg.Client) => {
    if (client !== failed) return
    client = undefined
    failed.removeAllListeners('notification')
    void failed.end().catch(() => {})
    schedule()
  }
  const schedule = () => {
    if (closing || retry) return
    const delay = Math.min(options.maxBackoffMs ?? 5_000, 100 * 2 ** failures)
    failures += 1
    retry = setTimeout(() => {
      retry = undefined
      void connect()
    }, delay)
    retry.unref()
  }
  const connect = (): Promise<void> =>
    (connecting ??= (async () => {
      const next = new pg.Client({
        connectionString: url,
        application_name: 'kabinet-listen',
        connectionTimeoutMillis: 2_000,
        query_timeout: 4_000,
      })
      next.on('notification', (msg) => subscribers.get(msg.channel)?.onMessage(msg.payload ?? ''))
      next.on('error', (err) => {
        onError(err)
        drop(next)
      })
      next.on('end', () => drop(next))
      try {
        await next.connect()
        for (const channel of subscribers.keys()) await next.query(`LISTEN "${channel}"`)
        client = next
        failures = 0
        if (everConnected) for (const s of subscribers.values()) s.onReconnect?.()
        everConnected = true
      } catch (err) {
        onError(err as Error)
        void next.end().catch(() => {})
        schedule()
      } finally {
        connecting = undefined
      }
    })())

  const heartbeat = setInterval(() => {
    const current = client
    current?.query('SELECT 1').catch((err: Error) => {
      onError(err)
      drop(current)
    })
  }, options.heartbeatMs ?? 30_000)
  heartbeat.unref()

  return {
    async listen(channel, onMessage, onReconnect) {
      if (!CHANNEL.test(channel)) throw new Error(`bad channel name ${channel}`)
      subscribers.set(channel, { onMessage, onReconnect })
      if (client) await client.query(`LISTEN "${channel}"`)
      else await connect()
    },
    async close() {
      closing = true
      clearInterval(heartbeat)
      if (retry) clearTimeout(retry)
      const current = client
      client = undefined
      await current?.end().catch(() => {})
    },
  }
}

/** Sends a notification that is delivered when (and only if) the caller's transaction commits. */
export async function notify(trx: Knex.Transaction, channel: string, payload: string): Promise<void> {
  await trx.raw('SELECT pg_notify(?, ?)', [channel, payload])
}
