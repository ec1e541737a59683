import type { Knex } from 'knex'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { deliveryDay } from '../../src/platform/time/intervals.ts'

export const UNITS = 5_000
export const BENCH_DAY = '2026-11-23'

/**
 * 5,000 generating units with an approved 96-interval schedule each for one day (a tenth
 * still missing), for the operators' day overview.
 */
export async function seedGenerationDay(
  owner: Knex,
  tenantId: string,
  zone = 'Europe/Warsaw',
): Promise<void> {
  const first = deliveryDay(BENCH_DAY, zone, 15).start
  await withTenant(owner, tenantId, async (trx) => {
    const customer = await trx('customers').orderBy('email').first<{ id: string }>('id')
    await trx.raw(
      `INSERT INTO generating_units (tenant_id, customer_id, code, name, technology, capacity_kw, active_from)
       SELECT :tenant, :customer, 'U-' || lpad(g::text, 5, '0'), 'Unit ' || g,
              (ARRAY['pv','wind','hydro','chp','biogas','storage','other'])[1 + g % 7], 1000 + g % 500, '2026-01-01'
       FROM generate_series(1, :units) g`,
      { tenant: tenantId, customer: customer.id, units: UNITS },
    )
    await trx.raw(
      `INSERT INTO schedules (tenant_id, unit_id, day, status, version)
       SELECT tenant_id, id, :day, (ARRAY['submitted','accepted'])[1 + (row_number() OVER ()) % 2], 1
       FROM generating_units WHERE tenant_id = :tenant AND random() < 0.9`,
      { tenant: tenantId, day: BENCH_DAY },
    )
    await trx.raw(
      `INSERT INTO schedule_versions (tenant_id, schedule_id, version, status, resolution, first_start, values, total)
       SELECT s.tenant_id, s.id, 1, s.status, 15, :first, v.values, (SELECT sum(x) FROM unnest(v.values) x)
       FROM schedules s,
            LATERAL (SELECT array_agg(round((random() * 800)::numeric, 3)) AS values FROM generate_series(1, 96)) v
       WHERE s.tenant_id = :tenant AND s.day = :day`,
      { tenant: tenantId, day: BENCH_DAY, first },
    )
    for (const table of ['generating_units', 'schedules', 'schedule_versions'])
      await trx.raw(`ANALYZE ${table}`)
  })
}
