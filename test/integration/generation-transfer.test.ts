import writeXlsxFile from 'write-excel-file/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { deliveryDay } from '../../src/platform/time/intervals.ts'
import { intervalLabel } from '../../src/modules/generation/transfer.ts'
import { IMPORT_SWEEP } from '../../src/modules/generation/transfer.service.ts'
import { sweepOlderThan } from '../../src/platform/jobs.ts'
import { registerConfirmed, signedIn } from '../helpers/accounts.ts'
import { multipart } from '../helpers/applications.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { createTenant } from '../helpers/factories.ts'
import { gridForm, insertUnit, postDay, solarDay } from '../helpers/generation.ts'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.ts'
import { zip } from '../helpers/zip.ts'

const PASSWORD = 'słoneczny poranek 12'
const MONDAY = '2026-11-23'
const SPRING = '2027-03-28'

/** A CSV as a person would write it for one unit: the header, then "local start;value" rows. */
const csvOf = (code: string, day: string, values: readonly (string | number)[], labels?: string[]) =>
  [
    `start;${code}`,
    ...(labels ?? deliveryDay(day, 'Europe/Warsaw', 15).intervals.map((iv) => intervalLabel(day, iv))).map(
      (label, i) => `${label};${String(values[i] ?? '').replace('.', ',')}`,
    ),
  ].join('\n')

describe('generation planning: spreadsheet import and export', () => {
  let smtp: SmtpSink
  let t: TestApp
  let tenant: Awaited<ReturnType<typeof createTenant>>
  let unitId: string
  const farma = () => signedIn(t, tenant.host, 'farma@example.com', PASSWORD)
  const upload = async (name: string, body: Buffer) => {
    const agent = await farma()
    await agent.get('/services/pgb/import')
    const res = await multipart(agent, '/services/pgb/import').attach('file', body, { filename: name })
    return { agent, res, page: res.status === 303 ? await agent.get(res.headers.location!) : undefined }
  }
  const versionCount = () =>
    withTenant(t.db.owner, tenant.id, async (trx) =>
      Number((await trx('schedule_versions').count<{ n: string }[]>('* as n'))[0]!.n),
    )

  beforeAll(async () => {
    smtp = await startSmtpSink()
    t = await createTestApp({ smtpUrl: smtp.url, mailWorker: true })
    tenant = await createTenant(t.db.owner, {
      enabledServices: ['pgb'],
      modules: { services: { access: { pgb: 'open' } } },
    })
    await registerConfirmed(t, smtp, tenant.host, 'farma@example.com', PASSWORD)
    await withTenant(t.db.owner, tenant.id, async (trx) => {
      const customer = await trx('customers').first<{ id: string }>('id')
      unitId = await insertUnit(trx, tenant.id, customer.id, {
        code: 'WIND-1',
        name: 'Bałtyk 1',
        technology: 'wind',
        capacity_kw: 12000,
      })
    })
  })
  afterAll(async () => {
    await t.close()
    await smtp.close()
  })

  it('exports a day and imports the same file back without changing anything, as CSV and as XLSX', async () => {
    const agent = await farma()
    expect((await postDay(agent, unitId, MONDAY, gridForm(solarDay(96, 9000.125), 'approve'))).status).toBe(
      303,
    )
    for (const format of ['csv', 'xlsx'] as const) {
      const exported = await agent.raw
        .get(`/services/pgb/export?from=${MONDAY}&to=${MONDAY}&format=${format}`)
        .set('Host', tenant.host)
        .buffer(true)
        .parse((res, done) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () => done(null, Buffer.concat(chunks)))
        })
      expect(exported.headers['content-disposition']).toContain(`schedules-${MONDAY}-15min.${format}`)
      const { res, page } = await upload(`back.${format}`, exported.body as Buffer)
      expect(res.status).toBe(303)
      expect(page!.text).not.toContain('data-testid="problems"')
      expect(page!.text).toMatch(
        /<td class="govuk-table__cell govuk-table__cell--numeric">96<\/td><td class="govuk-table__cell govuk-table__cell--numeric">0<\/td>/,
      )
      const before = await versionCount()
      const id = res.headers.location!.split('/').at(-1)!
      const owner = await farma()
      await owner.get(`/services/pgb/import/${id}`)
      expect((await owner.post(`/services/pgb/import/${id}`, { mode: 'approve' })).status).toBe(303)
      expect(await versionCount()).toBe(before)
    }
  })

  it('exports a day in the resolution it was approved in after the tenant moves to 60 minutes, and says so', async () => {
    const day = '2026-11-25'
    const agent = await farma()
    // 96 quarter-hours in 100 kW steps, so each row's value says which quarter-hour it is.
    const values = Array.from({ length: 96 }, (_, i) => (i + 1) * 100)
    expect((await postDay(agent, unitId, day, gridForm(values, 'approve'))).status).toBe(303)
    const setResolution = (resolution: number) =>
      withTenant(t.db.owner, tenant.id, (trx) =>
        trx('tenants')
          .where({ id: tenant.id })
          .update({
            settings: trx.raw(
              `jsonb_set(settings, '{modules,generation}', coalesce(settings #> '{modules,generation}', '{}') || jsonb_build_object('resolution', ?::int))`,
              [resolution],
            ),
          }),
      ).then(() => t.deps.tenants.invalidate())
    await setResolution(60)
    try {
      // The tenant is on hours now: a new day's grid has 24 inputs.
      const grid = await agent.get(`/services/pgb/units/${unitId}/days/2026-11-26`)
      expect(grid.text.match(/<input class="govuk-input[^"]*" id="v\d+"/g)).toHaveLength(24)
      const exported = await agent.get(`/services/pgb/export?from=${day}&to=${day}&format=csv`)
      expect(exported.headers['content-disposition']).toContain(`schedules-${day}-15min.csv`)
      const lines = exported.text.replace('\uFEFF', '').trim().split('\r\n')
      expect(lines).toHaveLength(1 + 96)
      expect(lines[1]).toBe(`${day} 00:00,100`)
      expect(lines[2]).toBe(`${day} 00:15,200`)
      expect(lines[5]).toBe(`${day} 01:00,500`)
      expect(lines[96]).toBe(`${day} 23:45,9600`)
      // Brought back while the tenant is on hours, the file is refused rather than read as hours.
      const { res, page } = await upload('back.csv', Buffer.from(exported.text))
      expect(res.status).toBe(303)
      expect(page!.text).toContain('data-testid="problems"')
    } finally {
      await setResolution(15)
    }
  })

  it('stores energy exactly: a version’s values and total are numeric, summed without float error', async () => {
    const day = '2026-11-27'
    const agent = await farma()
    // 96 × 0.1 kW: 9.6 exactly, where floating point gives 9.599999999999984.
    expect((await postDay(agent, unitId, day, gridForm(Array(96).fill(0.1), 'approve'))).status).toBe(303)
    const stored = await withTenant(t.db.owner, tenant.id, (trx) =>
      trx('schedule_versions as v')
        .join('schedules as s', 's.id', 'v.schedule_id')
        .where('s.day', day)
        .first<{ total: string; first: string; kind: string }>(
          trx.raw('v.total::text AS total'),
          trx.raw('v."values"[1]::text AS first'),
          trx.raw('pg_typeof(v."values")::text AS kind'),
        ),
    )
    expect(stored).toEqual({ total: '9.6', first: '0.1', kind: 'numeric[]' })
  })

  it('reads date-time cells in start (an exported CSV saved as XLSX by Excel), and says which header cell is empty', async () => {
    const day = '2026-11-24'
    const starts = deliveryDay(day, 'Europe/Warsaw', 15).intervals.map((_, i) => {
      // Excel keeps the local wall-clock time; a quarter-hour a millisecond short, as read back.
      const wall = Date.UTC(2026, 10, 24, 0, 15 * i)
      return new Date(i % 2 ? wall - 1 : wall)
    })
    const dated = await writeXlsxFile([
      [{ value: 'start' }, { value: 'WIND-1' }],
      ...starts.map((at, i) => [{ value: at, format: 'yyyy-mm-dd hh:mm' }, { value: 100 + i }]),
    ]).toBuffer()
    const { res, page } = await upload('from-excel.xlsx', dated)
    expect(res.status).toBe(303)
    expect(page!.text).not.toContain('data-testid="problems"')
    expect(page!.text).toMatch(/<td class="govuk-table__cell govuk-table__cell--numeric">96<\/td>/)

    const blank = await writeXlsxFile([
      [{ value: 'start' }, { value: 'WIND-1' }, { value: '' }],
      ...starts.map((at, i) => [{ value: at, format: 'yyyy-mm-dd hh:mm' }, { value: 100 + i }, { value: 1 }]),
    ]).toBuffer()
    const refused = await upload('blank-header.xlsx', blank)
    expect(refused.page!.text).toContain('Column 3 has no unit code in its header')
  })

  it('refuses a workbook that unpacks to more than a schedule file ever does, before inflating it', async () => {
    const sheet = Buffer.concat([
      Buffer.from('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'),
      Buffer.alloc(40 * 1024 * 1024, 0x20),
      Buffer.from('</sheetData></worksheet>'),
    ])
    const bomb = zip([
      {
        name: '[Content_Types].xml',
        content: Buffer.from(
          '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>',
        ),
      },
      { name: 'xl/worksheets/sheet1.xml', content: sheet },
    ])
    expect(bomb.length).toBeLessThan(100 * 1024)
    const before = await versionCount()
    const { page } = await upload('plan.xlsx', bomb)
    expect(page?.text).toContain('The workbook unpacks to more than 24 MB')
    expect(page?.text).not.toContain('cannot be read')
    expect(await versionCount()).toBe(before)
  })

  it('forgets import previews after a week, and keeps the fresh ones', async () => {
    const { res } = await upload('plan.csv', Buffer.from(csvOf('WIND-1', MONDAY, Array(96).fill(1))))
    const id = /import\/([0-9a-f-]{36})$/.exec(res.headers.location!)![1]!
    await withTenant(t.db.owner, tenant.id, (trx) =>
      trx('schedule_imports')
        .whereNot({ id })
        .update({ created_at: trx.raw(`now() - interval '8 days'`) }),
    )
    const { table, column, keepMs } = IMPORT_SWEEP
    await sweepOlderThan(t.db.owner, [tenant.id], table, column, new Date(Date.now() - keepMs))
    const left = await withTenant(t.db.owner, tenant.id, (trx) => trx('schedule_imports').pluck('id'))
    expect(left).toEqual([id])
  })

  it('saves an import whole or not at all: a day approved since the preview refuses it, nothing saved', async () => {
    const [first, second] = ['2026-11-30', '2026-12-01']
    const file = [
      csvOf('WIND-1', first, Array(96).fill(7)),
      ...[csvOf('WIND-1', second, Array(96).fill(8))].map((c) => c.split('\n').slice(1).join('\n')),
    ].join('\n')
    const { res } = await upload('two-days.csv', Buffer.from(file))
    expect(res.status).toBe(303)
    const id = res.headers.location!.split('/').at(-1)!
    // Meanwhile the second day is approved from the grid.
    const agent = await farma()
    expect((await postDay(agent, unitId, second, gridForm(Array(96).fill(9), 'approve'))).status).toBe(303)
    const versionsBefore = await versionCount()

    const owner = await farma()
    await owner.get(`/services/pgb/import/${id}`)
    const refused = await owner.post(`/services/pgb/import/${id}`, { mode: 'approve' })
    expect(refused.status).toBe(409)
    expect(refused.text).toContain('data-testid="stale"')
    expect(refused.text).toContain('id="file"')
    expect(await versionCount()).toBe(versionsBefore)
    const firstDay = await withTenant(t.db.owner, tenant.id, (trx) =>
      trx('schedules').where({ unit_id: unitId, day: first }).first('id'),
    )
    expect(firstDay).toBeUndefined()
    const imported = await withTenant(t.db.owner, tenant.id, (trx) =>
      trx('schedule_imports').where({ id }).first<{ applied_at: Date | null }>('applied_at'),
    )
    expect(imported.applied_at).toBeNull()
  })

  it('previews a file with its problems line by line, and saves nothing from it', async () => {
    const values: (string | number)[] = solarDay(96, 5000)
    values[10] = '13000'
    values[20] = 'dużo'
    const labels = deliveryDay(MONDAY, 'Europe/Warsaw', 15).intervals.map((iv) => intervalLabel(MONDAY, iv))
    labels[30] = '2026-11-23 07:31'
    const { res, page } = await upload('bad.csv', Buffer.from(csvOf('WIND-1', MONDAY, values, labels)))
    expect(res.status).toBe(303)
    expect(page!.text).toContain('Line 32')
    expect(page!.text).toContain('out of order')
    const second = await upload('bad2.csv', Buffer.from(csvOf('WIND-1', MONDAY, values)))
    expect(second.page!.text).toContain('Line 12: WIND-1: 13000 is below zero or above the unit')
    expect(second.page!.text).toContain(
      'Line 22: WIND-1: “dużo” is not a number'.replace('“', '&quot;').replace('”', '&quot;'),
    )
    const short = await upload(
      'short.csv',
      Buffer.from(csvOf('WIND-1', MONDAY, values).split('\n').slice(0, 90).join('\n')),
    )
    expect(short.page!.text).toContain('has 89 rows; that day has 96 intervals')
    const unknown = await upload('unknown.csv', Buffer.from('start;PV-9\n2026-11-23 00:00;1'))
    expect(unknown.page!.text).toContain('No unit of yours has the code')
    const date = await upload('date.csv', Buffer.from('start;WIND-1\n23.11.2026 00:00;1'))
    expect(date.page!.text).toContain('is not a day and time')
    expect(page!.text).not.toContain('name="mode"')
    const id = res.headers.location!.split('/').at(-1)!
    const agent = await farma()
    await agent.get(`/services/pgb/import/${id}`)
    expect((await agent.post(`/services/pgb/import/${id}`, { mode: 'draft' })).status).toBe(409)
  })

  it('takes the spring DST day with 92 rows, as XLSX too, and refuses 96 for it', async () => {
    const values = solarDay(92, 7000)
    const labels = deliveryDay(SPRING, 'Europe/Warsaw', 15).intervals.map((iv) => intervalLabel(SPRING, iv))
    expect(labels).toHaveLength(92)
    const xlsx = await writeXlsxFile([
      [{ value: 'start' }, { value: 'WIND-1' }],
      ...labels.map((label, i) => [{ value: label }, { value: values[i]! }]),
    ]).toBuffer()
    const { res, page } = await upload('spring.xlsx', xlsx)
    expect(res.status).toBe(303)
    expect(page!.text).not.toContain('data-testid="problems"')
    const id = res.headers.location!.split('/').at(-1)!
    const agent = await farma()
    await agent.get(`/services/pgb/import/${id}`)
    expect((await agent.post(`/services/pgb/import/${id}`, { mode: 'draft' })).status).toBe(303)
    const draft = await withTenant(t.db.owner, tenant.id, (trx) =>
      trx('schedules').where({ unit_id: unitId, day: SPRING }).first<{ draft: number[] }>('draft'),
    )
    expect(draft.draft).toHaveLength(92)
    const wrong = Array.from(
      { length: 96 },
      (_, i) =>
        `${SPRING} ${String(Math.floor(i / 4)).padStart(2, '0')}:${String((i % 4) * 15).padStart(2, '0')};1`,
    )
    const refused = await upload('spring96.csv', Buffer.from(['start;WIND-1', ...wrong].join('\n')))
    expect(refused.page!.text).toContain('has 96 rows; that day has 92 intervals')
  })

  it('refuses a file that is neither CSV nor XLSX', async () => {
    const { res } = await upload('photo.png', Buffer.from('89504e470d0a1a0a0000000d4948445200000001', 'hex'))
    expect(res.status).toBe(422)
    expect(res.text).toContain('href="#file"')
  })
})
