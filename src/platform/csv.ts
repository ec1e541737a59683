import type { Writable } from 'node:stream'
import { stringify } from 'csv-stringify'
import type { Locale } from './i18n/locales.ts'

export interface CsvColumn<T> {
  header: string
  value: (row: T) => string | number | null | undefined
}

/** Where the decimal separator is a comma, spreadsheets expect `;` between fields. */
export function csvDelimiter(locale: Locale): ',' | ';' {
  return locale === 'pl' || locale === 'ru' ? ';' : ','
}

/**
 * A cell a spreadsheet would run as a formula (=, +, -, @, tab, CR) is prefixed with an
 * apostrophe: exported data is other people's input (OWASP "CSV injection").
 */
export function safeCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return ''
  const text = String(value)
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text
}

/**
 * Streams rows as CSV into `out`: a UTF-8 byte-order mark (so spreadsheets read the
 * Cyrillic and Chinese right), a header row, the reader's delimiter. Rows come from an
 * async iterable, so a large export never sits in memory.
 */
export async function writeCsv<T>(
  out: Writable,
  columns: readonly CsvColumn<T>[],
  rows: AsyncIterable<T> | Iterable<T>,
  locale: Locale,
): Promise<void> {
  const csv = stringify({ bom: true, delimiter: csvDelimiter(locale), record_delimiter: 'windows' })
  const done = new Promise<void>((resolve, reject) => {
    out.on('finish', resolve)
    out.on('error', reject)
    csv.on('error', reject)
  })
  csv.pipe(out)
  csv.write(columns.map((c) => c.header))
  for await (const row of rows) {
    if (!csv.write(columns.map((c) => safeCell(c.value(row)))))
      await new Promise((resolve) => csv.once('drain', resolve))
  }
  csv.end()
  await done
}
