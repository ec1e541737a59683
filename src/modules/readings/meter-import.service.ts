import { parse } from 'csv-parse/sync'
import { withTenant } from '../../db/tenant-scope.ts'
import { audit } from '../../platform/audit.ts'
import type { RequestContext } from '../../platform/context.ts'
import { ConflictError, InvalidFieldError, NotFoundError } from '../../platform/errors.ts'
import { findCustomerByEmail } from '../accounts/index.ts'
import { writeMeter, type MeterInput, type ReadingsDeps } from './meters.service.ts'
import { meterForm, toMeterInput } from './schemas.ts'
import { readingsSettings } from './settings.ts'

/** The CSV's columns, by header (any order; `amr_code` may be left out). */
export const METER_COLUMNS = [
  'customer_email',
  'number',
  'object',
  'tariff',
  'digits',
  'decimals',
  'multiplier',
  'installed_on',
  'amr_code',
] as const
const FIELD_OF: Record<string, string> = {
  customerEmail: 'customer_email',
  installedOn: 'installed_on',
  amrCode: 'amr_code',
}

export interface MeterImportProblem {
  line: number
  /** The CSV column the problem is in, or '' for the whole line or file. */
  column: string
  key: string
}

export interface MeterImportRow {
  id: string
  file_name: string
  rows: (MeterInput & { line: number })[]
  problems: MeterImportProblem[]
  created_at: Date
  applied_at: Date | null
}

/** A meter row of an applied import that the database refused after all (taken meanwhile). */
export class MeterImportRefusedError extends Error {
  readonly line: number
  readonly key: string
  constructor(line: number, key: string) {
    super(`line ${line}: ${key}`)
    this.line = line
    this.key = key
  }
}

/**
 * Reads staff's CSV of meters (item 1) into a preview: each line checked like the meter
 * form (the same schema), each customer found by address, each number free in the tenant
 * and unique in the file; problems name their line and column. Nothing is added yet.
 */
export async function previewMeterImport(
  deps: ReadingsDeps,
  ctx: RequestContext,
  fileName: string,
  text: string,
): Promise<string> {
  const problems: MeterImportProblem[] = []
  const meters: (MeterInput & { line: number })[] = []
  const firstLine = text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? ''
  const delimiter = (firstLine.match(/;/g)?.length ?? 0) > (firstLine.match(/,/g)?.length ?? 0) ? ';' : ','
  let rows: string[][] = []
  try {
    rows = parse(text.replace(/^\uFEFF/, ''), {
      delimiter,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
    })
  } catch {
    problems.push({ line: 1, column: '', key: 'readings.meterImport.errors.csv' })
  }
  const header = (rows[0] ?? []).map((h) => h.toLowerCase())
  const missing = METER_COLUMNS.filter((c) => c !== 'amr_code' && !header.includes(c))
  if (rows.length && missing.length)
    problems.push({ line: 1, column: missing.join(', '), key: 'readings.meterImport.errors.header' })
  const schema = meterForm(readingsSettings.of(ctx.tenant))
  const seen = new Set<string>()
  await withTenant(deps.db, ctx.tenant.id, async (trx) => {
    if (problems.length) return
    for (const [index, row] of rows.slice(1, 2001).entries()) {
      const line = index + 2
      const cell = (column: string) => row[header.indexOf(column)] ?? ''
      const parsed = schema.safeParse({
        customerEmail: cell('customer_email'),
        number: cell('number'),
        object: cell('object'),
        tariff: cell('tariff'),
        digits: cell('digits'),
        decimals: cell('decimals'),
        multiplier: cell('multiplier'),
        installedOn: cell('installed_on'),
        removedOn: '',
        amrCode: cell('amr_code'),
        replaces: '',
      })
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          const field = String(issue.path[0] ?? '')
          problems.push({ line, column: FIELD_OF[field] ?? field, key: issue.message })
        }
        continue
      }
      const m = parsed.data
      if (seen.has(m.number))
        problems.push({ line, column: 'number', key: 'readings.meterImport.errors.duplicate' })
      seen.add(m.number)
      if (!(await findCustomerByEmail(trx, m.customerEmail)))
        problems.push({ line, column: 'customer_email', key: 'readings.meters.errors.customer' })
      if (await trx('meters').where({ number: m.number }).first('id'))
        problems.push({ line, column: 'number', key: 'readings.meters.errors.numberTaken' })
      meters.push({ line, ...toMeterInput(m) })
    }
    if (rows.length > 2001)
      problems.push({ line: 2002, column: '', key: 'readings.meterImport.errors.tooMany' })
    if (rows.length < 2 && !problems.length)
      problems.push({ line: 1, column: '', key: 'readings.meterImport.errors.empty' })
  })
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const [row] = await trx('meter_imports')
      .insert({
        tenant_id: ctx.tenant.id,
        created_by: ctx.actor.id,
        file_name: fileName,
        rows: JSON.stringify(meters),
        problems: JSON.stringify(problems),
      })
      .returning<{ id: string }[]>('id')
    return row!.id
  })
}

export async function meterImportOf(
  deps: ReadingsDeps,
  ctx: RequestContext,
  id: string,
): Promise<MeterImportRow> {
  const row = await withTenant(deps.db, ctx.tenant.id, (trx) =>
    trx('meter_imports').where({ id }).first<MeterImportRow | undefined>(),
  )
  if (!row) throw new NotFoundError('meter import')
  return row
}

/**
 * Adds a previewed CSV's meters, all or none, through the same writeMeter as the form; a
 * number taken since the preview refuses the whole file with its line. Applied once.
 */
export async function applyMeterImport(deps: ReadingsDeps, ctx: RequestContext, id: string): Promise<number> {
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const found = await trx('meter_imports').where({ id }).forUpdate().first<MeterImportRow | undefined>()
    if (!found) throw new NotFoundError('meter import')
    if (found.applied_at || found.problems.length) throw new ConflictError('not applicable')
    for (const row of found.rows) {
      try {
        await writeMeter(trx, ctx, null, row)
      } catch (err) {
        if (err instanceof InvalidFieldError) throw new MeterImportRefusedError(row.line, err.key)
        throw err
      }
    }
    await trx('meter_imports').where({ id }).update({ applied_at: deps.clock.now() })
    await audit(trx, ctx, {
      action: 'readings.meters-imported',
      targetType: 'meter-import',
      targetId: id,
      details: { file: found.file_name, meters: found.rows.length },
    })
    return found.rows.length
  })
}
