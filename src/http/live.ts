import { randomUUID } from 'node:crypto'
import type { Request, RequestHandler, Response } from 'express'
import type { Knex } from 'knex'
import type { Listener } from '../db/listener.ts'
import { withTenant } from '../db/tenant-scope.ts'
import { TooManyRequestsError } from '../platform/errors.ts'
import {
  LIVE_CHANNEL,
  SESSIONS_ENDED_CHANNEL,
  eventsAfter,
  latestSeq,
  sessionHash,
} from '../platform/live.ts'

interface Subscriber {
  id: string
  /** Whose session holds the stream (`customer:<id>`, `operator:<id>`), if anyone's. */
  principal: string | undefined
  sid: string
  sessionHash: string
  lastSeq: number
  res: Response
}

/** Everyone on this process following one topic of one tenant: caught up together. */
interface Topic {
  tenantId: string
  topic: string
  subscribers: Set<Subscriber>
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

export interface LiveHubOptions {
  heartbeatMs?: number
  /** How often open streams' sessions are checked against the store (and their rows kept fresh). */
  recheckMs?: number
}

/** Open streams one session may hold (tabs), on all processes together, so a page cannot exhaust the servers. */
export const MAX_STREAMS_PER_SESSION = 5
const BATCH = 500

/**
 * Live updates (ARCHITECTURE.md "Shared pieces"): this process's one LISTEN connection
 * fans out to its open streams. A notification names its tenant, sequence and topic;
 * the streams following that topic catch up in one query after the oldest event any of
 * them has sent, so an event is neither lost nor sent twice, whichever process wrote
 * it, and a busy tenant costs one query per topic, not one per open page.
 *
 * A stream lives only as long as its session: a session that ends (signed out, "sign
 * out other sessions", the account disabled, see SESSIONS_ENDED_CHANNEL) closes its
 * streams on every process at once, and every `recheckMs` the sessions of open streams
 * are looked up in the store, which also catches idle expiry and a missed notification.
 * After the listener lost its connection every stream is closed: the browser reconnects
 * with Last-Event-ID, is checked again and is sent what it missed.
 */
export function createLiveHub(db: Knex, listener: Listener, options: LiveHubOptions = {}): LiveHub {
  const heartbeatMs = options.heartbeatMs ?? 25_000
  const recheckMs = options.recheckMs ?? 10_000
  const topics = new Map<string, Topic>()
  const streams = new Set<Subscriber>()
  let recheck: NodeJS.Timeout | undefined

  const keyOf = (tenantId: string, topic: string) => `${tenantId}|${topic}`

  const catchUp = async (topic: Topic): Promise<void> => {
    if (topic.busy) {
      topic.again = true
      return
    }
    topic.busy = true
    try {
      do {
        topic.again = false
        if (topic.subscribers.size === 0) break
        const after = Math.min(...[...topic.subscribers].map((s) => s.lastSeq))
        const events = await withTenant(db, topic.tenantId, (trx) =>
          eventsAfter(trx, topic.topic, after, BATCH),
        )
        for (const event of events) {
          const frame = `id: ${event.seq}\ndata: ${JSON.stringify(event.data)}\n\n`
          for (const sub of topic.subscribers)
            if (event.seq > sub.lastSeq) {
              sub.res.write(frame)
              sub.lastSeq = event.seq
            }
        }
        if (events.length === BATCH) topic.again = true
      } while (topic.again)
    } catch {
      // The streams stay open; the next notification or the browser's reconnect retries.
    } finally {
      topic.busy = false
    }
  }

  const end = (sub: Subscriber) => {
    if (!streams.has(sub)) return
    sub.res.end()
  }

  const onMessage = (payload: string) => {
    const first = payload.indexOf(':')
    const second = payload.indexOf(':', first + 1)
    if (first < 0 || second < 0) return
    const topic = topics.get(keyOf(payload.slice(0, first), payload.slice(second + 1)))
    if (topic) void catchUp(topic)
  }

  const onSessionsEnded = (who: string) => {
    for (const sub of streams) if (sub.principal === who || `session:${sub.sessionHash}` === who) end(sub)
  }

  /** Streams whose session is gone from the store (or expired) end; the others are counted as alive. */
  const checkSessions = async () => {
    const open = [...streams]
    if (open.length === 0) return
    try {
      const bound = open.filter((s) => s.principal)
      if (bound.length) {
        const alive = new Set(
          await db('session')
            .whereIn(
              'sid',
              bound.map((s) => s.sid),
            )
            .where('expire', '>', db.fn.now())
            .pluck<string[]>('sid'),
        )
        for (const sub of bound) if (!alive.has(sub.sid)) end(sub)
      }
      await db('live_streams')
        .whereIn(
          'id',
          open.map((s) => s.id),
        )
        .update({ seen_at: db.fn.now() })
      await db('live_streams').where('seen_at', '<', db.raw(`now() - interval '1 hour'`)).delete()
    } catch {
      // Checked again on the next round.
    }
  }

  /** Counts this session's open streams on every process and registers this one, or refuses it. */
  const register = async (sub: Subscriber): Promise<boolean> =>
    db.transaction(async (trx) => {
      await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`live-streams:${sub.sessionHash}`])
      const stale = trx.raw(`now() - make_interval(secs => ?)`, [(3 * recheckMs) / 1000])
      const [row] = await trx('live_streams')
        .where({ session_hash: sub.sessionHash })
        .where('seen_at', '>', stale)
        .count<{ n: string }[]>('* as n')
      if (Number(row!.n) >= MAX_STREAMS_PER_SESSION) return false
      await trx('live_streams').insert({ id: sub.id, session_hash: sub.sessionHash })
      return true
    })

  return {
    async start() {
      await listener.listen(LIVE_CHANNEL, onMessage, () => {
        for (const sub of streams) end(sub)
      })
      await listener.listen(SESSIONS_ENDED_CHANNEL, onSessionsEnded)
      recheck = setInterval(() => void checkSessions(), recheckMs)
      recheck.unref()
    },
    close() {
      clearInterval(recheck)
      for (const sub of streams) sub.res.end()
      streams.clear()
      topics.clear()
    },
    stream(options) {
      return async (req, res) => {
        const tenant = res.locals.tenant!
        const name = await options.topic(req, res)
        const actor = res.locals.ctx.actor
        // A reconnect resumes after the last event it saw; a page that says which event it was
        // rendered after (`?after=`) gets what happened between its render and this stream;
        // otherwise a first visit starts from now.
        const lastId =
          req.get('Last-Event-ID') ?? (typeof req.query.after === 'string' ? req.query.after : undefined)
        const sub: Subscriber = {
          id: randomUUID(),
          principal:
            actor.type === 'customer' || actor.type === 'operator' ? `${actor.type}:${actor.id}` : undefined,
          sid: req.sessionID,
          sessionHash: sessionHash(req.sessionID),
          lastSeq:
            lastId && /^\d{1,15}$/.test(lastId)
              ? Number(lastId)
              : await withTenant(db, tenant.id, (trx) => latestSeq(trx, name)),
          res,
        }
        if (!(await register(sub))) throw new TooManyRequestsError(30)
        res.writeHead(200, {
          'Content-Type': 'text/event-stream; charset=utf-8',
          'Cache-Control': 'no-store',
          'X-Accel-Buffering': 'no',
        })
        res.write('retry: 5000\n\n')
        const key = keyOf(tenant.id, name)
        const topic = topics.get(key) ?? {
          tenantId: tenant.id,
          topic: name,
          subscribers: new Set(),
          busy: false,
          again: false,
        }
        topics.set(key, topic)
        topic.subscribers.add(sub)
        streams.add(sub)
        const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), heartbeatMs)
        res.on('close', () => {
          clearInterval(heartbeat)
          streams.delete(sub)
          topic.subscribers.delete(sub)
          if (topic.subscribers.size === 0 && topics.get(key) === topic) topics.delete(key)
          void db('live_streams')
            .where({ id: sub.id })
            .delete()
            .catch(() => {})
        })
        // Whatever was written before this stream was registered is sent now.
        await catchUp(topic)
      }
    },
  }
}
