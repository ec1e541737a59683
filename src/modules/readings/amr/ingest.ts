import type { Refusal } from './refusal.ts'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { Temporal } from 'temporal-polyfill'
import { parseDay } from '../../../platform/time/intervals.ts'
import { detectEncoding, Malformed80020Error, read80020Batches } from './format80020.ts'

/**
 * Imports and fetches of one tenant write intervals one after the other: the import
 * inserts without conflict handling. `$1` is the tenant's id.
 */
export const LOCK_INTERVALS = `SELECT pg_advisory_xact_lock(hashtext('amr-intervals:' || $1))`

/** The longest an import may take, statements included (a batch of files of 10,000 points each). */
const LIMIT_MS = 30 * 60_000

/** A file to load: read twice (the encoding is judged from the bytes first), never held whole. */
export interface IngestFile {
  name: string
  open(): Readable | Promise<Readable>
}

/** A file the batch cannot take: which, where and why, for the person who uploaded it. */
export class IngestRefusedError extends Error {
  readonly file: string
  readonly line: number
  readonly reason: string
  readonly refusal: Refusal
  constructor(file: string, line: number, reason: string, refusal: Refusal) {
    super(`${file}, line ${line}: ${reason}`)
    this.file = file
    this.line = line
    this.reason = reason
    this.refusal = refusal
  }
}

/** A TSV field for COPY's text format: `\N` for none, the four characters it escapes escaped. */
const field = (v: string | null) =>
  v === null
    ? '\\N'
    : v.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!)

/**
 * The UTC start of a period given in local clock time on a delivery day. On the autumn
 * switch day the repeated hour is told apart by the file's `summer` flag (the first,
 * summer-time pass carries it); a time the spring switch skips moves forward. Memoised:
 * a file has a few dozen distinct periods and a million values.
 */
export function startsAt(zone: string): (day: string, time: string, summer: boolean) => string {
  // By day, then time: looked up with the strings the reader gives, none built per value.
  type Pair = [string | undefined, string | undefined]
  const seen = new Map<string, Map<string, Pair>>()
  return (day, time, summer) => {
    let times = seen.get(day)
    if (!times) seen.set(day, (times = new Map<string, Pair>()))
    let pair = times.get(time)
    if (!pair) times.set(time, (pair = [undefined, undefined]))
    const which = summer ? 1 : 0
    let instant = pair[which]
    if (!instant) {
      const local = parseDay(day).toPlainDateTime(Temporal.PlainTime.from(time))
      const zoned = local.toZonedDateTime(zone, { disambiguation: summer ? 'earlier' : 'later' })
      // 'later' moves a skipped time past the gap, like 'compatible'; only a repeated hour differs.
      instant = pair[which] = zoned.toInstant().toString()
    }
    return instant
  }
}

/** Counts the bytes passing through, telling `progress` every `every` bytes and at the end. */
function counting(progress: (bytes: number) => void, every = 1 << 20): Transform {
  let bytes = 0
  let told = 0
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length
      if (bytes - told >= every) {
        told = bytes
        progress(bytes)
      }
      done(null, chunk)
    },
    flush(done) {
      progress(bytes)
      done()
    },
  })
}

/** The COPY text lines of a file's periods, in batches (one write per few hundred rows, not per row). */
async function* copyLines(
  source: AsyncIterable<Uint8Array>,
  encoding: 'utf-8' | 'windows-1251',
  zone: string,
  counted: { rows: number },
  fileNo: number,
): AsyncGenerator<string> {
  const utc = startsAt(zone)
  let day: string | undefined
  let batch = ''
  let n = 0
  for await (const items of read80020Batches(source, encoding))
    for (const item of items) {
      if ('header' in item) day = item.header.day
      if (!('interval' in item) || !day) continue
      const i = item.interval
      batch += `${fileNo}\t${field(i.point.code)}\t${field(i.channel)}\t${utc(day, i.start, i.summer)}\t${i.minutes}\t${field(i.value)}\t${field(i.status)}\n`
      counted.rows++
      if (++n === 5000) {
        yield batch
        batch = ''
        n = 0
      }
    }
  if (batch) yield batch
}

/**
 * Loads 80020 files into `amr_intervals` all or nothing (item 12): each file is parsed as
 * a stream (never a DOM) and sent through `COPY` into a temporary table — Postgres refuses
 * COPY into a table with row-level security — then merged: a period already stored with
 * the same value, status and length is left alone, so the same files loaded again change
 * nothing; a later file of the batch wins over an earlier one for the same period. A
 * malformed file rolls the whole batch back and is named with its line. Runs on one
 * connection of the runtime role, in the tenant's scope like every other write.
 */
export async function ingest80020(
  pool: pg.Pool,
  tenantId: string,
  zone: string,
  files: readonly IngestFile[],
  progress: (bytesRead: number) => void,
): Promise<{ rowsRead: number; rowsChanged: number }> {
  const client = await pool.connect()
  let done = 0
  const counted = { rows: 0 }
  try {
    await client.query('BEGIN')
    await client.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenantId])
    // A batch of big files is one long transaction by design: the pages' 10-second limits
    // would cut it off, so this transaction has its own (and the merge its own read timeout).
    await client.query(`SET LOCAL statement_timeout = ${LIMIT_MS}`)
    await client.query(`SET LOCAL idle_in_transaction_session_timeout = ${LIMIT_MS}`)
    // Room to sort a big batch in memory rather than on disk.
    await client.query(`SET LOCAL work_mem = '256MB'`)
    // Imports of one tenant take turns: the merge below inserts without conflict handling.
    await client.query(LOCK_INTERVALS, [tenantId])
    await client.query(
      `CREATE TEMP TABLE amr_staging (file smallint, point_code text, channel text, starts_at timestamptz,
         minutes smallint, value numeric, status text) ON COMMIT DROP`,
    )
    for (const [fileNo, file] of files.entries()) {
      const encoding = await detectEncoding(await file.open())
      const base = done
      let size = 0
      const source = await file.open()
      let unreadable: Error | undefined
      source.on('error', (err: Error) => (unreadable ??= err))
      try {
        await pipeline(
          Readable.from(
            copyLines(
              source.pipe(
                counting((bytes) => {
                  size = bytes
                  progress(base + bytes)
                }),
              ),
              encoding,
              zone,
              counted,
              fileNo,
            ),
          ),
          client.query(
            // pg's read timeout applies to a COPY too (its config is the stream): the pool's 4 s would cut a big file.
            Object.assign(
              copyFrom(
                'COPY amr_staging (file, point_code, channel, starts_at, minutes, value, status) FROM STDIN',
              ),
              { query_timeout: LIMIT_MS },
            ),
          ),
        )
      } catch (err) {
        if (err instanceof Malformed80020Error)
          throw new IngestRefusedError(file.name, err.line, err.reason, err.refusal)
        // The file's own bytes failed (a damaged archive entry), not the database.
        if (unreadable)
          throw new IngestRefusedError(file.name, 0, `the file cannot be read: ${unreadable.message}`, {
            key: 'unreadable',
            detail: unreadable.message,
          })
        throw err
      }
      done = base + size
    }
    const merge = (text: string): pg.QueryConfig & { query_timeout: number } => ({
      query_timeout: LIMIT_MS,
      text,
      values: text.includes('$1') ? [tenantId] : [],
    })
    // Points the tenant has data for already: only their periods can be stored before.
    const known = await client.query<{ any: boolean }>(
      merge(`SELECT EXISTS (SELECT 1 FROM amr_intervals t
               WHERE t.tenant_id = $1::uuid AND t.point_code IN (SELECT DISTINCT point_code FROM amr_staging)) AS any`),
    )
    // The batch's last value of each period (a later file wins).
    const latest = `SELECT DISTINCT ON (point_code, channel, starts_at) point_code, channel, starts_at, minutes, value, status
                    FROM amr_staging ORDER BY point_code, channel, starts_at, file DESC`
    const insert = `INSERT INTO amr_intervals (tenant_id, point_code, channel, starts_at, minutes, value, status)
                    SELECT $1::uuid, b.point_code, b.channel, b.starts_at, b.minutes, b.value, b.status`
    let changed = 0
    if (known.rows[0]?.any !== true) {
      // New points only (a first load): nothing to look up, straight in. Per-row conflict
      // handling would cost twice a COPY on a big batch.
      changed += (await client.query(merge(`${insert} FROM (${latest}) b`))).rowCount ?? 0
    } else {
      await client.query(merge(`CREATE TEMP TABLE amr_batch ON COMMIT DROP AS ${latest}`))
      // Periods stored before: changed only where something differs (so loading again changes nothing)…
      const updated = await client.query(
        merge(`UPDATE amr_intervals t SET minutes = b.minutes, value = b.value, status = b.status
               FROM amr_batch b
               WHERE t.tenant_id = $1::uuid AND t.point_code = b.point_code AND t.channel = b.channel
                 AND t.starts_at = b.starts_at
                 AND (t.minutes, t.value, t.status) IS DISTINCT FROM (b.minutes, b.value, b.status)`),
      )
      // …and the new ones inserted.
      const inserted = await client.query(
        merge(`${insert} FROM amr_batch b
               WHERE NOT EXISTS (SELECT 1 FROM amr_intervals t WHERE t.tenant_id = $1::uuid
                 AND t.point_code = b.point_code AND t.channel = b.channel AND t.starts_at = b.starts_at)`),
      )
      changed += (updated.rowCount ?? 0) + (inserted.rowCount ?? 0)
    }
    await client.query('COMMIT')
    return { rowsRead: counted.rows, rowsChanged: changed }
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw err
  } finally {
    client.release()
  }
}
