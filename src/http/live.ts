import type { Request, RequestHandler, Response } from 'express'
import type { Knex } from 'knex'
import type { Listener } from '../db/listener.ts'
import { withTenant } from '../db/tenant-scope.ts'
import { TooManyRequestsError } from '../platform/errors.ts'
import { LIVE_CHANNEL, eventsAfter } from '../platform/live.ts'

interface Subscriber {
  tenantId: string
  topic: string
  session: string
  lastSeq: number
  res: Response
  /** A catch-up query is running: events arriving meanwhile are picked up by the next one. */
  busy: boolean
  again: boolean
}

export interface LiveOptions {
  /**
   * The topic this request may follow, checked when subscribing: throw NotFoundError or
   * ForbiddenError (the usual error pages answer) for someone who may not see it.
   */
  topic(req: Request, res: Response): string | Promise<string>
}

export interface LiveHub {
  /** An SSE endpoint for one topic per request. */
  stream(options: LiveOptions): RequestHandler
  /** Starts listening (once per process). */
  start(): Promise<void>
  /** Ends every open stream (at shutdown, so the server can close). */
  close(): void
}

/** Open streams one session may hold (tabs), so a page cannot exhaust the server. */
export const MAX_STREAMS_PER_SESSION = 5
const HEARTBEAT_MS = 25_000

/**
 * Live updates (ARCHITECTURE.md "Shared pieces"): this process's one LISTEN connection
 * fans out to its open streams. Every notification and every reconnection of the
 * listener makes each affected stream catch up from the database after the last event
 * it sent, so an event is neither lost nor sent twice, whichever process wrote it.
 */
export function createLiveHub(db: Knex, listener: Listener, heartbeatMs = HEARTBEAT_MS): LiveHub {
  const subscribers = new Set<Subscriber>()

  const catchUp = async (sub: Subscriber): Promise<void> => {
    if (sub.busy) {
      sub.again = true
      return
    }
    sub.busy = true
    try {
      do {
        sub.again = false
        const events = await withTenant(db, sub.tenantId, (trx) => eventsAfter(trx, sub.topic, sub.lastSeq))
        for (const event of events) {
          sub.res.write(`id: ${event.seq}\ndata: ${JSON.stringify(event.data)}\n\n`)
          sub.lastSeq = event.seq
        }
      } while (sub.again && subscribers.has(sub))
    } catch {
      // The stream stays open; the next notification or the browser's reconnect retries.
    } finally {
      sub.busy = false
    }
  }

  const onMessage = (payload: string) => {
    const tenantId = payload.split(':')[0]
    for (const sub of subscribers) if (sub.tenantId === tenantId) void catchUp(sub)
  }
  const onReconnect = () => {
    for (const sub of subscribers) void catchUp(sub)
  }

  return {
    start: () => listener.listen(LIVE_CHANNEL, onMessage, onReconnect),
    close() {
      for (const sub of subscribers) sub.res.end()
      subscribers.clear()
    },
    stream(options) {
      return async (req, res) => {
        const tenant = res.locals.tenant!
        const topic = await options.topic(req, res)
        const session = req.sessionID
        const open = [...subscribers].filter((s) => s.session === session).length
        if (open >= MAX_STREAMS_PER_SESSION) throw new TooManyRequestsError(30)
        // A reconnect resumes after the last event it saw; a first visit starts from now.
        const lastId = req.get('Last-Event-ID')
        const sub: Subscriber = {
          tenantId: tenant.id,
          topic,
          session,
          lastSeq:
            lastId && /^\d{1,15}$/.test(lastId) ? Number(lastId) : await latestSeq(db, tenant.id, topic),
          res,
          busy: false,
          again: false,
        }
        res.writeHead(200, {
          'Content-Type': 'text/event-stream; charset=utf-8',
          'Cache-Control': 'no-store',
          'X-Accel-Buffering': 'no',
        })
        res.write('retry: 5000\n\n')
        subscribers.add(sub)
        const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), heartbeatMs)
        req.on('close', () => {
          clearInterval(heartbeat)
          subscribers.delete(sub)
        })
        // Whatever was written before this stream was registered is sent now.
        await catchUp(sub)
      }
    },
  }
}

async function latestSeq(db: Knex, tenantId: string, topic: string): Promise<number> {
  const row = await withTenant(db, tenantId, (trx) =>
    trx('live_events').where({ topic }).max<{ max: string | null }>('seq as max').first(),
  )
  return Number(row?.max ?? 0)
}
