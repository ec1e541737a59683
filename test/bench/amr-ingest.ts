import { createReadStream, createWriteStream } from 'node:fs'
import { once } from 'node:events'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import type pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { ingest80020 } from '../../src/modules/readings/amr/ingest.ts'

export const POINTS = 10_000
const CHANNELS = ['01', '02', '03', '04']
const PERIODS = 48
const DAY = '2026-11-20'
/** Moscow: UTC+3 all year, so a period's UTC start is plain arithmetic here. */
const ZONE = 'Europe/Moscow'

const hhmm = (minutes: number) =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}${String(minutes % 60).padStart(2, '0')}`

/** A value that looks like a meter's (three decimals) without any randomness between runs. */
const valueOf = (p: number, c: number, i: number) => (((p * 31 + c * 7 + i * 13) % 40_000) / 1000).toFixed(3)

async function write(file: string, lines: (emit: (text: string) => void) => void): Promise<void> {
  const out = createWriteStream(file)
  let buffer = ''
  lines((text) => {
    buffer += text
    if (buffer.length > 1 << 16) {
      if (!out.write(buffer)) void 0
      buffer = ''
    }
  })
  out.end(buffer)
  await once(out, 'finish')
}

/**
 * Item 12's measurement: a day's 80020 file of 10,000 measuring points × 4 channels × 48
 * periods (1.92 million values) loaded by the import (streaming parse, COPY into a staging
 * table, idempotent merge), against a raw COPY of the same rows straight into the table,
 * each into a tenant of its own on the same database. Also the same file loaded again.
 */
export async function benchAmrIngest(
  pool: pg.Pool,
  superuser: pg.Pool,
  dir: string,
  tenants: { raw: string; ingest: string },
): Promise<{
  rows: number
  bytes: number
  rawMs: number
  ingestMs: number
  againMs: number
  changedAgain: number
}> {
  const xml = path.join(dir, 'amr-bench.xml')
  const tsv = path.join(dir, 'amr-bench.tsv')
  await write(xml, (emit) => {
    emit(
      `<?xml version="1.0" encoding="utf-8"?>\n<message class="80020" version="2" number="1">\n<datetime><daylightsavingtime>0</daylightsavingtime><day>${DAY.replaceAll('-', '')}</day></datetime>\n<sender><name>bench</name><inn>7700000000</inn></sender>\n<area><name>bench</name><inn>7700000001</inn>\n`,
    )
    for (let p = 0; p < POINTS; p++) {
      emit(`<measuringpoint code="BENCH${String(p).padStart(6, '0')}" name="Point ${p}">\n`)
      CHANNELS.forEach((code, c) => {
        emit(`<measuringchannel code="${code}">\n`)
        for (let i = 0; i < PERIODS; i++)
          emit(
            `<period start="${hhmm(i * 30)}" end="${hhmm(((i + 1) * 30) % 1440)}"><value status="0">${valueOf(p, c, i)}</value></period>\n`,
          )
        emit('</measuringchannel>\n')
      })
      emit('</measuringpoint>\n')
    }
    emit('</area>\n</message>\n')
  })
  // The same rows as COPY text: what the raw load sends (Moscow midnight is 21:00 UTC the day before).
  const midnight = Date.parse(`${DAY}T00:00:00+03:00`)
  await write(tsv, (emit) => {
    for (let p = 0; p < POINTS; p++)
      CHANNELS.forEach((code, c) => {
        for (let i = 0; i < PERIODS; i++)
          emit(
            `${tenants.raw}\tBENCH${String(p).padStart(6, '0')}\t${code}\t${new Date(midnight + i * 1_800_000).toISOString()}\t30\t${valueOf(p, c, i)}\t0\n`,
          )
      })
  })

  // Postgres refuses COPY FROM into a table with row-level security ("COPY FROM not supported
  // with row-level security"): the import therefore copies into a temporary table and merges
  // under RLS. The baseline is the fastest load there is: a superuser's COPY, bypassing it.
  const client = await superuser.connect()
  let rawMs: number
  try {
    const started = performance.now()
    await client.query('BEGIN')
    await client.query('SET LOCAL statement_timeout = 0')
    await pipeline(
      createReadStream(tsv),
      client.query(
        Object.assign(
          copyFrom(
            'COPY amr_intervals (tenant_id, point_code, channel, starts_at, minutes, value, status) FROM STDIN',
          ),
          { query_timeout: 30 * 60_000 },
        ),
      ),
    )
    await client.query('COMMIT')
    rawMs = performance.now() - started
  } finally {
    client.release()
  }
  const load = async () => {
    const started = performance.now()
    const result = await ingest80020(
      pool,
      tenants.ingest,
      ZONE,
      [{ name: 'amr-bench.xml', open: () => createReadStream(xml) }],
      () => undefined,
    )
    return { ms: performance.now() - started, ...result }
  }
  const first = await load()
  const again = await load()
  const { size } = await import('node:fs/promises').then((fs) => fs.stat(xml))
  return {
    rows: first.rowsRead,
    bytes: size,
    rawMs,
    ingestMs: first.ms,
    againMs: again.ms,
    changedAgain: again.rowsChanged,
  }
}
