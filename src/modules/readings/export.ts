import type { Response } from 'express'
import type { Knex } from 'knex'
import { exportList } from '../../http/lists.ts'
import { csvDelimiter, type CsvColumn } from '../../platform/csv.ts'

interface ExportRow {
  number: string
  object: string
  read_on: string
  zone: string
  value: string
  consumption: string | null
  source: string
  status: string
}

/**
 * Readings as CSV (item 6 for customers, item 7's billing export for staff): a row per
 * reading and zone, oldest first, with the consumption the history shows (the same
 * `meter_reading_use` view), decimals in the reader's form, codes as words.
 */
export function exportReadings(
  res: Response,
  db: Knex,
  filename: string,
  filter: { meterIds: readonly string[] } | { from: string; to: string; status: 'accepted' },
): Promise<void> {
  const { t, locale } = res.locals
  const decimal = (v: string | null) => (v !== null && csvDelimiter(locale) === ';' ? v.replace('.', ',') : v)
  const columns: CsvColumn<ExportRow>[] = [
    { header: t('readings.meters.number'), value: (r) => r.number },
    { header: t('readings.meters.object'), value: (r) => r.object },
    { header: t('readings.history.day'), value: (r) => r.read_on },
    { header: t('readings.history.zone'), value: (r) => t(`readings.zones.${r.zone}`) },
    { header: t('readings.history.value'), value: (r) => decimal(r.value) },
    { header: t('readings.history.consumption'), value: (r) => decimal(r.consumption) },
    { header: t('readings.history.source'), value: (r) => t(`readings.sources.${r.source}`) },
    { header: t('readings.history.status'), value: (r) => t(`readings.statuses.${r.status}`) },
  ]
  return exportList(res, db, filename, columns, (trx) =>
    trx('meter_reading_use as u')
      .join('meters as m', 'm.id', 'u.meter_id')
      .modify((q) => {
        if ('meterIds' in filter) void q.whereIn('u.meter_id', filter.meterIds)
        else void q.whereBetween('u.read_on', [filter.from, filter.to]).where('u.status', filter.status)
      })
      .orderBy(['m.number', 'u.read_on', 'u.created_at', 'u.zone'])
      .select(
        'm.number',
        'm.object',
        trx.raw(`to_char(u.read_on, 'YYYY-MM-DD') AS read_on`),
        'u.zone',
        trx.raw('u.value::text AS value'),
        trx.raw('u.consumption::text AS consumption'),
        'u.source',
        'u.status',
      ),
  )
}
