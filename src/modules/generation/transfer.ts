import type { Response } from 'express'
import { parse } from 'csv-parse/sync'
import readXlsxFile from 'read-excel-file/universal'
import writeXlsxFile from 'write-excel-file/node'
import { checkZip } from '../../platform/files/zip.ts'
import type { Locale } from '../../platform/i18n/locales.ts'
import { addDays, parseDay } from '../../platform/time/intervals.ts'
import { readValue, unitFactor } from './grid.ts'
import type { DeliveryDay, Resolution } from '../../platform/time/intervals.ts'
import type { GenerationSettings } from './settings.ts'
import type { UnitRow } from './units.service.ts'

/** How a file names an interval: the local start, with A/B on the repeated autumn hour. */
export const intervalLabel = (day: string, interval: { local: string; repeat: 'A' | 'B' | null }) =>
  `${day} ${interval.local}${interval.repeat ? ` ${interval.repeat}` : ''}`

/** The most days one file may carry (a month and a bit), so a preview stays readable. */
export const MAX_IMPORT_DAYS = 35

/**
 * What a workbook may unpack to. A full file of 35 days of 15-minute values for 50 units
 * is about 7 MB of sheet XML; a zip bomb is refused before it is inflated (see checkZip).
 */
export const MAX_WORKBOOK_BYTES = 24 * 1024 * 1024

export interface ImportDay {
  day: string
  unitId: string
  unitCode: string
  values: number[]
  /** Values of the newest version or draft now, for the preview's "what will change". */
  changed: number
  /** The day's version when the preview was made: saving finds it there, or refuses whole. */
  base?: number
}

export interface ImportProblem {
  /** 1-based line of the file (the header is line 1); 0 for the file as a whole. */
  line: number
  key: string
  params?: Record<string, string | number>
}

export interface ImportResult {
  days: ImportDay[]
  problems: ImportProblem[]
}

/**
 * A date-time cell as the label a person sees in it, "YYYY-MM-DD HH:MM". Excel keeps the
 * local wall-clock time as a day count (in the workbook's 1900 or 1904 date system, which
 * the reader applies) and the reader gives it as that time in UTC, a hair off: 00:15 comes
 * back as 00:14:59.999, so it is rounded to the minute. A cell cannot say which of the
 * repeated autumn hours it is: that row then fails with the A/B label it needs.
 */
export function dateCellLabel(cell: Date): string {
  const minute = new Date(Math.round(cell.getTime() / 60_000) * 60_000)
  return minute.toISOString().slice(0, 16).replace('T', ' ')
}

/**
 * A spreadsheet or CSV as rows of cells (strings or numbers); the first row is the header.
 * A workbook is checked against MAX_WORKBOOK_BYTES first (ZipLimitError) and read from
 * its central directory, the entries the check inflated.
 */
export async function readTable(buffer: Buffer, kind: 'csv' | 'xlsx'): Promise<(string | number | null)[][]> {
  if (kind === 'xlsx') {
    checkZip(buffer, { maxBytes: MAX_WORKBOOK_BYTES, maxEntries: 1000 })
    const data = buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) as ArrayBuffer
    const rows = await readXlsxFile(data)
    return (rows[0]?.data ?? []).map((row) =>
      row.map((cell) =>
        cell === null || cell === undefined
          ? null
          : typeof cell === 'number'
            ? cell
            : cell instanceof Date
              ? dateCellLabel(cell)
              : String(cell),
      ),
    )
  }
  const text = buffer.toString('utf8').replace(/^\uFEFF/, '')
  const firstLine = text.split(/\r?\n/, 1)[0] ?? ''
  const delimiter = (firstLine.match(/;/g)?.length ?? 0) > (firstLine.match(/,/g)?.length ?? 0) ? ';' : ','
  const rows: string[][] = parse(text, {
    delimiter,
    relax_column_count: true,
    skip_empty_lines: true,
    trim: true,
  })
  return rows
}

/**
 * A file's rows → whole days per unit, checked like the grid: a header naming the
 * customer's units (one column each), then one row per interval in order, labelled by its
 * local start; a day must have all its intervals (92 on the spring DST day, 100 on the
 * autumn one, for 15 minutes) and nothing beyond. Problems name their line.
 */
export function readSchedules(
  rows: (string | number | null)[][],
  units: readonly UnitRow[],
  settings: GenerationSettings,
  dayOf: (day: string) => DeliveryDay,
): ImportResult {
  const problems: ImportProblem[] = []
  const header = (rows[0] ?? []).map((c) => String(c ?? '').trim())
  if (header.length < 2) return { days: [], problems: [{ line: 1, key: 'generation.import.errors.header' }] }
  const columns: { index: number; unit: UnitRow }[] = []
  header.slice(1).forEach((code, i) => {
    const unit = units.find((u) => u.code === code)
    if (!code)
      problems.push({ line: 1, key: 'generation.import.errors.emptyHeader', params: { column: i + 2 } })
    else if (!unit) problems.push({ line: 1, key: 'generation.import.errors.unknownUnit', params: { code } })
    else columns.push({ index: i + 1, unit })
  })
  if (problems.length) return { days: [], problems }

  // Group the rows by the day their label names, keeping each row's line number.
  const byDay = new Map<string, { line: number; label: string; cells: (string | number | null)[] }[]>()
  rows.slice(1).forEach((cells, i) => {
    const line = i + 2
    const label = String(cells[0] ?? '').trim()
    const day = /^(\d{4}-\d{2}-\d{2}) /.exec(label)?.[1]
    let valid: boolean
    try {
      valid = day !== undefined && parseDay(day) !== undefined
    } catch {
      valid = false
    }
    if (!valid) {
      problems.push({ line, key: 'generation.import.errors.date', params: { label } })
      return
    }
    const list = byDay.get(day!) ?? []
    list.push({ line, label, cells })
    byDay.set(day!, list)
  })
  if (byDay.size > MAX_IMPORT_DAYS)
    problems.push({ line: 0, key: 'generation.import.errors.tooManyDays', params: { max: MAX_IMPORT_DAYS } })

  const days: ImportDay[] = []
  for (const [day, dayRows] of [...byDay.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const delivery = dayOf(day)
    const expected = delivery.intervals.map((iv) => intervalLabel(day, iv))
    if (dayRows.length !== expected.length) {
      problems.push({
        line: dayRows[0]!.line,
        key: 'generation.import.errors.count',
        params: { day, count: dayRows.length, expected: expected.length },
      })
      continue
    }
    const labelProblem = dayRows.findIndex((r, i) => r.label.replace(/\s+/g, ' ') !== expected[i])
    if (labelProblem >= 0) {
      const row = dayRows[labelProblem]!
      problems.push({
        line: row.line,
        key: 'generation.import.errors.label',
        params: { label: row.label, expected: expected[labelProblem]! },
      })
      continue
    }
    for (const { index, unit } of columns) {
      const values: number[] = []
      for (const row of dayRows) {
        const cell = row.cells[index]
        const text = cell === null || cell === undefined ? '' : typeof cell === 'number' ? String(cell) : cell
        const read = text.trim()
          ? readValue(text, settings, Number(unit.capacity_kw), Number(unit.charging_kw ?? 0))
          : { error: 'required' as const }
        if ('error' in read) {
          problems.push({
            line: row.line,
            key: `generation.import.errors.${read.error}`,
            params: { unit: unit.code, value: text },
          })
        } else values.push(read.kw)
      }
      if (values.length === dayRows.length)
        days.push({ day, unitId: unit.id, unitCode: unit.code, values, changed: 0 })
    }
  }
  return { days, problems }
}

/** Every day from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = []
  for (let day = from; day <= to && out.length <= MAX_IMPORT_DAYS; day = addDays(day, 1)) out.push(day)
  return out
}

export interface ExportSheet {
  header: string[]
  rows: { label: string; values: (number | null)[] }[]
  /** Minutes per row, each block of rows at its version's own (named in the file name). */
  resolutions: Resolution[]
}

/** Values in the tenant's unit, rounded to its precision: what an export shows and an import reads back. */
export const exportValue = (kw: number | null, settings: GenerationSettings): number | null =>
  kw === null ? null : Number((kw / unitFactor(settings)).toFixed(settings.precision))

/** An export as CSV text: the reader's delimiter, a decimal comma where that delimiter is `;`. */
export function exportCsv(sheet: ExportSheet, locale: Locale): string {
  const semicolon = locale === 'pl' || locale === 'ru'
  const cell = (v: number | null) => (v === null ? '' : semicolon ? String(v).replace('.', ',') : String(v))
  const sep = semicolon ? ';' : ','
  const lines = [sheet.header.join(sep), ...sheet.rows.map((r) => [r.label, ...r.values.map(cell)].join(sep))]
  return `\uFEFF${lines.join('\r\n')}\r\n`
}

export async function exportXlsx(sheet: ExportSheet): Promise<Buffer> {
  const data = [
    sheet.header.map((value) => ({ value, fontWeight: 'bold' as const })),
    ...sheet.rows.map((r) => [
      { value: r.label },
      ...r.values.map((v) => (v === null ? null : { value: v })),
    ]),
  ]
  return writeXlsxFile(data).toBuffer()
}

/** An export as the download the reader asked for: XLSX, or CSV in their locale. */
export async function sendSheet(
  res: Response,
  sheet: ExportSheet,
  name: string,
  format: unknown,
): Promise<void> {
  res.set('Cache-Control', 'no-store')
  name = `${name}-${sheet.resolutions.map((r) => `${r}min`).join('-')}`
  if (format === 'xlsx') {
    res.attachment(`${name}.xlsx`)
    res.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
    res.send(await exportXlsx(sheet))
    return
  }
  res.attachment(`${name}.csv`)
  res.type('text/csv; charset=utf-8')
  res.send(exportCsv(sheet, res.locals.locale))
}
