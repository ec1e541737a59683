import { createHash } from 'node:crypto'
import type { Knex } from 'knex'
import { QUEUES } from '../db/jobs.ts'
import { notify } from '../db/listener.ts'

/** The one channel every app process listens on for live events (see http/live.ts). */
export const LIVE_CHANNEL = 'kabinet_live'

/** Sessions that ended (sign-out, "sign out other sessions", an account disabled): their streams close. */
export const SESSIONS_ENDED_CHANNEL = 'kabinet_sessions_ended'

/** How a session is named outside its cookie (in notifications and the streams table): never the id itself. */
export const sessionHash = (sid: string) => createHash('sha256').update(sid).digest('hex').slice(0, 32)

/**
 * Says, on commit of `db`'s transaction (at once outside one), that every session of
 * `who` — `customer:<id>`, `operator:<id>` or `session:<hash>` — has ended, so open live
 * streams of those sessions close on every process.
 */
export async function announceSessionsEnded(db: Knex, who: string): Promise<void> {
  await db.raw('SELECT pg_notify(?, ?)', [SESSIONS_ENDED_CHANNEL, who])
}

/** A reconnecting page needs only what it missed while away: a day of events is kept. */
export const LIVE_EVENT_SWEEP = {
  queue: QUEUES.forgetLiveEvents,
  cron: '37 * * * *',
  table: 'live_events',
  column: 'at',
  keepMs: 86_400_000,
}

export interface LiveEvent {
  seq: number
  topic: string
  data: unknown
}

/**
 * Announces an event on a topic ("application:<id>") from inside the writing transaction:
 * it is stored for replay and NOTIFY is delivered on commit, so nothing that rolled back
 * is ever announced. The caller's transaction must be tenant-scoped.
 */
export async function publish(
  trx: Knex.Transaction,
  tenantId: string,
  topic: string,
  data: unknown,
): Promise<number> {
  const [row] = await trx('live_events')
    .insert({ tenant_id: tenantId, topic, data: JSON.stringify(data) })
    .returning<{ seq: string }[]>('seq')
  const seq = Number(row!.seq)
  // The topic travels with the event, so a process catches up only the streams that follow it.
  await notify(trx, LIVE_CHANNEL, `${tenantId}:${seq}:${topic}`)
  return seq
}

/** The newest event of a topic (0 if none): where a page rendered now would start following it. */
export async function latestSeq(trx: Knex.Transaction, topic: string): Promise<number> {
  const row = await trx('live_events').where({ topic }).max<{ max: string | null }>('seq as max').first()
  return Number(row?.max ?? 0)
}

/** A topic's events after `seq`, oldest first (what a reconnecting page missed). */
export function eventsAfter(
  trx: Knex.Transaction,
  topic: string,
  seq: number,
  limit = 500,
): Promise<LiveEvent[]> {
  return trx('live_events')
    .where({ topic })
    .andWhere('seq', '>', seq)
    .orderBy('seq')
    .limit(limit)
    .select<{ seq: string; topic: string; data: unknown }[]>('seq', 'topic', 'data')
    .then((rows) => rows.map((r) => ({ seq: Number(r.seq), topic: r.topic, data: r.data })))
}
