import type { Knex } from 'knex'
import { withTenant } from '../../db/tenant-scope.ts'
import type { RequestContext } from '../../platform/context.ts'
import type { CsvColumn } from '../../platform/csv.ts'
import { sumDecimals } from '../../platform/decimal.ts'
import { Malformed80020Error, type Interval80020 } from './amr/format80020.ts'
import { AmrLoginError, AmrUnavailableError, httpAmrSource, type AmrCredentials } from './amr/source.ts'
import { readingsSettings } from './settings.ts'

/** Channels 01–04 of an 80020 document: active and reactive energy, in and out. */
export const AMR_CHANNELS = ['01', '02', '03', '04'] as const
export type AmrChannel = (typeof AMR_CHANNELS)[number]

/** One channel of a meter over the day: the sum of the values the head-end sent, and what it lacked. */
export interface ChannelDay {
  total: string | null
  periods: number
  missing: number
}

export interface AmrMeterDay {
  object: string | null
  code: string
  name: string | null
  channels: Record<AmrChannel, ChannelDay | undefined>
  /** A+ per period through the day (the load profile), null where the head-end had none. */
  profile: { labels: string[]; values: (string | null)[] }
}

export interface AmrResult {
  day: string
  meters: AmrMeterDay[]
  /** Every period as the head-end sent it, for the CSV. */
  intervals: Interval80020[]
}

export const CHANNEL_NAMES: Record<string, string> = { '01': 'A+', '02': 'A-', '03': 'R+', '04': 'R-' }

/**
 * The day's periods as CSV columns: the reader's headers, and values with the decimal mark
 * of the reader's delimiter (a comma where fields are split by `;`); a missing value stays
 * an empty cell, never 0.
 */
export function amrCsvColumns(
  t: (key: string) => string,
  day: string,
  decimalComma: boolean,
): CsvColumn<Interval80020>[] {
  return [
    { header: t('readings.amr.object'), value: (i) => i.area.name },
    { header: t('readings.amr.meter'), value: (i) => i.point.code },
    { header: t('readings.amr.meterName'), value: (i) => i.point.name },
    { header: t('readings.amr.channel'), value: (i) => CHANNEL_NAMES[i.channel] ?? i.channel },
    { header: t('readings.amr.day'), value: () => day },
    { header: t('readings.amr.from'), value: (i) => i.start },
    { header: t('readings.amr.to'), value: (i) => i.end },
    { header: t('readings.amr.value'), value: (i) => (decimalComma ? i.value?.replace('.', ',') : i.value) },
    { header: t('readings.amr.status'), value: (i) => i.status },
  ]
}

/** Why the head-end gave nothing: said to the customer in their language. */
export type AmrFailure = 'login' | 'unavailable' | 'malformed'

/**
 * A day of the customer's AMR data, asked of the tenant's head-end with credentials that
 * live for this call only (never stored, logged or queued).
 */
export async function amrDay(
  ctx: RequestContext,
  credentials: AmrCredentials,
  day: string,
): Promise<AmrResult | { failure: AmrFailure }> {
  const amr = httpAmrSource(readingsSettings.of(ctx.tenant).amrHeadEnd)
  try {
    const { header, intervals } = await amr.day(credentials, day)
    const meters = new Map<string, { meter: AmrMeterDay; values: Map<AmrChannel, (string | null)[]> }>()
    for (const i of intervals) {
      const key = `${i.point.kind}/${i.point.code}`
      const entry = meters.get(key) ?? {
        meter: {
          object: i.area.name,
          code: i.point.code,
          name: i.point.name,
          channels: { '01': undefined, '02': undefined, '03': undefined, '04': undefined },
          profile: { labels: [], values: [] },
        },
        values: new Map<AmrChannel, (string | null)[]>(),
      }
      meters.set(key, entry)
      if (!(AMR_CHANNELS as readonly string[]).includes(i.channel)) continue
      const channel = i.channel as AmrChannel
      const list: (string | null)[] = entry.values.get(channel) ?? []
      list.push(i.value)
      entry.values.set(channel, list)
      if (channel === '01') {
        entry.meter.profile.labels.push(i.start)
        entry.meter.profile.values.push(i.value)
      }
    }
    return {
      day: header.day,
      intervals,
      meters: [...meters.values()].map(({ meter, values }) => {
        for (const [channel, list] of values)
          meter.channels[channel] = {
            total: sumDecimals(list),
            periods: list.length,
            missing: list.filter((v) => v === null).length,
          }
        return meter
      }),
    }
  } catch (err) {
    if (err instanceof AmrLoginError) return { failure: 'login' }
    if (err instanceof AmrUnavailableError) return { failure: 'unavailable' }
    if (err instanceof Malformed80020Error) return { failure: 'malformed' }
    throw err
  }
}

/** The AMR user id the customer asked the portal to remember, if any. */
export async function rememberedAmrLogin(
  deps: { db: Knex },
  ctx: RequestContext,
  customerId: string,
): Promise<string | undefined> {
  const row = await withTenant(deps.db, ctx.tenant.id, (trx) =>
    trx('amr_logins').where({ customer_id: customerId }).first<{ login: string } | undefined>('login'),
  )
  return row?.login
}

/** Remembers the customer's AMR user id (never the password), or forgets it (`null`). */
export async function rememberAmrLogin(
  deps: { db: Knex; clock: { now(): Date } },
  ctx: RequestContext,
  customerId: string,
  login: string | null,
): Promise<void> {
  await withTenant(deps.db, ctx.tenant.id, async (trx) => {
    if (login === null) return void (await trx('amr_logins').where({ customer_id: customerId }).delete())
    await trx('amr_logins')
      .insert({ tenant_id: ctx.tenant.id, customer_id: customerId, login, updated_at: deps.clock.now() })
      .onConflict(['tenant_id', 'customer_id'])
      .merge(['login', 'updated_at'])
  })
}
