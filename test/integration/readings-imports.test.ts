import { Readable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { ingest80020 } from '../../src/modules/readings/amr/ingest.ts'
import type { ImportRow } from '../../src/modules/readings/imports.service.ts'
import { DEMO_AMR_ACCOUNTS, document80020 } from '../../src/simulator/amr.ts'
import { multipart } from '../helpers/applications.ts'
import { zip } from '../helpers/zip.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { createTenant } from '../helpers/factories.ts'
import { createOperator, operatorSignIn } from '../helpers/operators.ts'

const [CP1251, UTF8] = DEMO_AMR_ACCOUNTS
const DAY = '2026-11-20'
/**
 * The simulator's accounts (the seed): the cp1251 one has a 30-minute meter (48 periods)
 * and a 60-minute one (24, of which 2 empty), the UTF-8 one a 30-minute meter; four channels each.
 */
const ROWS = (48 + 24 + 48) * 4
const EMPTY = 2 * 4

/**
 * Issue 19 item 12 over HTTP with the job queue running: staff upload 80020 files, the job
 * loads them all or nothing through COPY, the page follows it, and loading again changes nothing.
 */
describe('readings: bulk ingest of 80020 files', () => {
  let t: TestApp
  let tenant: Awaited<ReturnType<typeof createTenant>>
  let staff: Awaited<ReturnType<typeof operatorSignIn>>['agent']

  beforeAll(async () => {
    t = await createTestApp({ mailWorker: true })
    tenant = await createTenant(t.db.owner, { enabledServices: ['readings'], timeZone: 'Europe/Moscow' })
    staff = (await operatorSignIn(t, tenant.host, await createOperator(t, tenant.id, 'operator'))).agent
  })
  afterAll(() => t.close())

  const upload = async (files: [string, Uint8Array][]) => {
    await staff.get('/admin/readings/imports')
    let req = multipart(staff, '/admin/readings/imports')
    for (const [name, bytes] of files) req = req.attach('files', Buffer.from(bytes), { filename: name })
    const res = await req
    expect(res.status, res.text).toBe(303)
    return res.headers.location!.split('/').at(-1)!
  }
  /** The import once its job has finished (the queue polls every few seconds). */
  const finished = async (id: string) => {
    for (let i = 0; i < 100; i++) {
      const row = await withTenant(t.db.owner, tenant.id, (trx) =>
        trx('amr_imports').where({ id }).first<ImportRow>(),
      )
      if (row.status === 'done' || row.status === 'failed') return row
      await new Promise((r) => setTimeout(r, 200))
    }
    throw new Error('the import did not finish')
  }
  const stored = () =>
    withTenant(t.db.owner, tenant.id, (trx) =>
      trx('amr_intervals')
        .select(
          trx.raw('count(*)::int AS rows'),
          trx.raw('count(*) FILTER (WHERE value IS NULL)::int AS empty'),
          trx.raw(`sum(value)::text AS total`),
        )
        .first(),
    )

  it('loads many files at once, each in its own encoding, keeping empty values empty and starts in UTC', async () => {
    const id = await upload([
      [`${CP1251!.login}-${DAY}.xml`, document80020(CP1251!, DAY, t.clock.now())],
      [`${UTF8!.login}-${DAY}.xml`, document80020(UTF8!, DAY, t.clock.now())],
    ])
    const row = await finished(id)
    expect(row).toMatchObject({
      status: 'done',
      files: 2,
      rows_read: String(ROWS),
      rows_changed: String(ROWS),
    })
    expect(await stored()).toMatchObject({ rows: ROWS, empty: EMPTY })
    // Moscow is UTC+3 all year: the day's first period starts at 21:00 UTC the day before.
    const first = await withTenant(t.db.owner, tenant.id, (trx) =>
      trx('amr_intervals')
        .where({ point_code: CP1251!.meters[0]!.code, channel: '01' })
        .orderBy('starts_at')
        .first('starts_at', 'minutes'),
    )
    expect(first).toEqual({ starts_at: new Date('2026-11-19T21:00:00Z'), minutes: 30 })
    const page = await staff.get(`/admin/readings/imports/${id}`)
    expect(page.text).toContain(`Loaded 2 files: ${ROWS} values read, ${ROWS} new or changed.`)
    expect(page.text).toMatch(/<progress id="import-progress" class="kb-progress" max="100" value="100">/)
    expect((await staff.get('/admin/readings/imports')).text).toContain('Loaded')
  })

  it('changes nothing when the same files come again, and refuses a broken batch whole, naming file and line', async () => {
    const files: [string, Uint8Array][] = [
      [`${UTF8!.login}-2026-11-18.xml`, document80020(UTF8!, '2026-11-18', t.clock.now())],
    ]
    await finished(await upload(files))
    const before = await stored()
    const again = await finished(await upload(files))
    expect(again).toMatchObject({ status: 'done', rows_read: String(48 * 4), rows_changed: '0' })
    expect(await stored()).toEqual(before)

    const broken = new TextEncoder().encode(
      '<?xml version="1.0" encoding="utf-8"?>\n<message class="80020">\n<datetime><day>20261117</day></datetime>\n<area><measuringpoint code="1"><measuringchannel code="01">\n<period start="0000" end="0030"><value>12,x</value></period>\n</measuringchannel></measuringpoint></area></message>\n',
    )
    const failed = await finished(
      await upload([
        [`${UTF8!.login}-2026-11-17.xml`, document80020(UTF8!, '2026-11-17', t.clock.now())],
        ['broken.xml', broken],
      ]),
    )
    expect(failed).toMatchObject({ status: 'failed', failed_file: 'broken.xml', failed_line: 5 })
    expect(await stored()).toEqual(before)
    const page = await staff.get(`/admin/readings/imports/${String(failed.id)}`)
    expect(page.text).toContain('broken.xml, line 5: this is not a valid 80020 document.')
  })

  it('refuses what is not XML beside the field, before any job', async () => {
    await staff.get('/admin/readings/imports')
    const res = await multipart(staff, '/admin/readings/imports').attach('files', Buffer.from('%PDF-1.4'), {
      filename: 'a.xml',
    })
    expect(res.status).toBe(422)
    expect(res.text).toContain('href="#files"')
    const none = await multipart(staff, '/admin/readings/imports').field('x', '1')
    expect(none.status).toBe(422)
  })

  it('tells the repeated hour of the autumn switch apart by its summer flag (Warsaw, 25 Oct 2026)', async () => {
    const warsaw = await createTenant(t.db.owner, {
      enabledServices: ['readings'],
      timeZone: 'Europe/Warsaw',
    })
    const hours = ['0000', '0100', '0200s', '0200', '0300']
      .map((h) => {
        const start = h.slice(0, 4)
        const end = `${String(Number(start.slice(0, 2)) + 1).padStart(2, '0')}00`
        return `<period start="${start}" end="${end}"${h.endsWith('s') ? ' summer="1"' : ''}><value>1</value></period>`
      })
      .join('')
    const doc = `<?xml version="1.0"?><message class="80020"><datetime><daylightsavingtime>2</daylightsavingtime><day>20261025</day></datetime><area><measuringpoint code="PL-1"><measuringchannel code="01">${hours}</measuringchannel></measuringpoint></area></message>`
    await ingest80020(
      t.deps.pool,
      warsaw.id,
      'Europe/Warsaw',
      [{ name: 'dst.xml', open: () => Readable.from([Buffer.from(doc)]) }],
      () => undefined,
    )
    const starts = await withTenant(t.db.owner, warsaw.id, (trx) =>
      trx('amr_intervals').orderBy('starts_at').pluck('starts_at'),
    )
    // 00:00 and 01:00 in summer time (UTC+2), 02:00 twice (+2, then +1), 03:00 in winter time.
    expect(starts.map((d: Date) => d.toISOString())).toEqual([
      '2026-10-24T22:00:00.000Z',
      '2026-10-24T23:00:00.000Z',
      '2026-10-25T00:00:00.000Z',
      '2026-10-25T01:00:00.000Z',
      '2026-10-25T02:00:00.000Z',
    ])
  })

  it('loads a ZIP archive of 80020 files like the files themselves, and refuses an archive holding something else', async () => {
    const archive = zip([
      {
        name: 'day-16/askue-1.xml',
        content: Buffer.from(document80020(CP1251!, '2026-11-16', t.clock.now())),
      },
      { name: 'day-16/askue-2.xml', content: Buffer.from(document80020(UTF8!, '2026-11-16', t.clock.now())) },
      { name: '__MACOSX/day-16/._askue-1.xml', content: Buffer.from('mac') },
    ])
    const done = await finished(await upload([['november.zip', archive]]))
    expect(done).toMatchObject({ status: 'done', rows_read: String(ROWS), rows_changed: String(ROWS) })
    expect(Number(done.read_bytes)).toBe(Number(done.total_bytes))

    const mixed = zip([
      { name: 'askue-1.xml', content: Buffer.from(document80020(CP1251!, '2026-11-15', t.clock.now())) },
      { name: 'notes.txt', content: Buffer.from('hello') },
    ])
    const failed = await finished(await upload([['mixed.zip', mixed]]))
    expect(failed).toMatchObject({ status: 'failed', failed_file: 'mixed.zip', failed_line: null })
    expect(failed.failed_reason).toContain('notes.txt: not an .xml file')
    const page = await staff.get(`/admin/readings/imports/${failed.id}`)
    expect(page.text).toContain('mixed.zip: this file cannot be loaded.')
    expect(page.text).toContain('notes.txt in the archive is not an .xml file.')
    // In the reader's language, the English reason kept for support beside it in the row.
    expect((await staff.get(`/admin/readings/imports/${failed.id}?lang=ru`)).text).toContain(
      'notes.txt в архиве — не файл .xml.',
    )
    await staff.get('/admin?lang=en')
  })

  it('takes a corrected file: only the periods whose value changed are rewritten', async () => {
    const day = '2026-11-14'
    const original = new TextDecoder().decode(document80020(UTF8!, day, t.clock.now()))
    await finished(await upload([['first.xml', new TextEncoder().encode(original)]]))
    // The head-end corrects one value (the first period of the first channel).
    const corrected = original.replace(
      /<value status="0">[\d.]+<\/value>/,
      '<value status="0">99.999</value>',
    )
    expect(corrected).not.toBe(original)
    const again = await finished(await upload([['corrected.xml', new TextEncoder().encode(corrected)]]))
    expect(again).toMatchObject({ status: 'done', rows_read: String(48 * 4), rows_changed: '1' })
    const value = await withTenant(t.db.owner, tenant.id, (trx) =>
      trx('amr_intervals')
        .where({
          point_code: UTF8!.meters[0]!.code,
          channel: '01',
          starts_at: new Date('2026-11-13T21:00:00Z'),
        })
        .first(trx.raw('value::text AS value')),
    )
    expect(value).toEqual({ value: '99.999' })
  })
})
