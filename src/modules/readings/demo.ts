import type { Knex } from 'knex'
import { withTenant } from '../../db/tenant-scope.ts'
import type { DemoTenantRef } from '../../module.ts'
import { demoLogins } from '../../platform/demo.ts'
import { DEMO_AMR_ACCOUNTS } from '../../simulator/amr.ts'
import { findCustomerByEmail } from '../accounts/index.ts'
import { readingsSettings } from './settings.ts'

interface DemoMeter {
  number: string
  tariff: string
  zones: string[]
  digits: number
  decimals: number
  object: string
  amrCode?: string
  /** First reading per zone, and what each zone adds per month. */
  start: number[]
  monthly: number[]
}

/** Seed 002's household with a three-zone meter, a flat on a single-rate one, and an AMR-read house. */
const METERS: Record<string, DemoMeter[]> = {
  ru: [
    {
      number: '011234567',
      tariff: 'T3',
      zones: ['peak', 'semipeak', 'night'],
      digits: 6,
      decimals: 1,
      object: 'г. Тверь, ул. Садовая, д. 5, кв. 12',
      start: [4120.5, 7311.2, 5302.8],
      monthly: [62.4, 118.3, 95.1],
    },
    {
      number: '099887766',
      tariff: 'T1',
      zones: ['total'],
      digits: 5,
      decimals: 0,
      object: 'СНТ «Берёзка», участок 14',
      start: [99_120],
      monthly: [140],
    },
    {
      number: DEMO_AMR_ACCOUNTS[0]!.meters[0]!.code,
      tariff: 'T1',
      zones: ['total'],
      digits: 6,
      decimals: 2,
      object: DEMO_AMR_ACCOUNTS[0]!.object,
      amrCode: DEMO_AMR_ACCOUNTS[0]!.meters[0]!.code,
      start: [20_315.4],
      monthly: [830.25],
    },
  ],
  pl: [
    {
      number: '30079842',
      tariff: 'G12',
      zones: ['day', 'night'],
      digits: 6,
      decimals: 1,
      object: 'Gdańsk, ul. Długa 17/4',
      start: [18_204.3, 9_611.7],
      monthly: [171.2, 96.4],
    },
  ],
}

const fixed = (n: number, decimals: number) => n.toFixed(decimals)

/**
 * Meters with a year of monthly readings (the 20th of each month, entered by the
 * customer) for the demo customer of `ru` and `pl`, so the history, the chart and the
 * plausibility checks have something to stand on; the ru AMR users on the banner.
 */
export async function seedReadingsDemo(owner: Knex, tenant: DemoTenantRef): Promise<string[]> {
  const meters = METERS[tenant.slug] ?? []
  if (meters.length)
    await withTenant(owner, tenant.id, async (trx) => {
      const customer = await findCustomerByEmail(trx, demoLogins(tenant.slug).customerEmail)
      if (!customer) return
      const now = new Date()
      for (const m of meters) {
        if (await trx('meters').where({ number: m.number }).first('id')) continue
        const [meter] = await trx('meters')
          .insert({
            tenant_id: tenant.id,
            customer_id: customer.id,
            number: m.number,
            tariff: m.tariff,
            zones: m.zones,
            digits: m.digits,
            decimals: m.decimals,
            object: m.object,
            installed_on: '2024-06-01',
            amr_code: m.amrCode ?? null,
          })
          .returning<{ id: string }[]>('id')
        for (let back = 12, i = 0; back >= 1; back--, i++) {
          const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 20))
          const values = m.zones.map((_, z) => {
            const raw = m.start[z]! + m.monthly[z]! * i
            return raw % 10 ** m.digits
          })
          const rollover =
            i > 0 && values.some((v, z) => v < (m.start[z]! + m.monthly[z]! * (i - 1)) % 10 ** m.digits)
          const [reading] = await trx('meter_readings')
            .insert({
              tenant_id: tenant.id,
              meter_id: meter!.id,
              read_on: month.toISOString().slice(0, 10),
              source: m.amrCode ? 'amr' : 'customer',
              status: 'accepted',
              rollover,
              customer_id: m.amrCode ? null : customer.id,
            })
            .returning<{ id: string }[]>('id')
          await trx('meter_reading_values').insert(
            m.zones.map((zone, z) => ({
              tenant_id: tenant.id,
              reading_id: reading!.id,
              zone,
              value: fixed(values[z]!, m.decimals),
            })),
          )
        }
      }
    })
  const headEnd = readingsSettings.of(tenant).amrHeadEnd
  if (!headEnd) return []
  return [`AMR (${headEnd}): ${DEMO_AMR_ACCOUNTS.map((a) => `${a.login} / ${a.password}`).join(', ')}`]
}
