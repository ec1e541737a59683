import type { Knex } from 'knex'
import { withTenant } from '../../db/tenant-scope.ts'
import type { DemoTenantRef } from '../../module.ts'
import { demoLogins } from '../../platform/demo.ts'
import { findCustomerByEmail } from '../accounts/index.ts'

/** The `pl` demo customer's generating units (seed 000: a wind farm and a solar plant). */
const UNITS = [
  {
    code: 'PLW-BALTYK-1',
    name: 'Farma Wiatrowa Bałtyk 1',
    technology: 'wind',
    capacity_kw: 12_000,
    connection_point: 'GPZ Żarnowiec 110 kV',
  },
  {
    code: 'PLS-ZULAWY-1',
    name: 'Elektrownia Słoneczna Żuławy',
    technology: 'pv',
    capacity_kw: 4_000,
    connection_point: 'GPZ Nowy Dwór Gdański 15 kV',
  },
] as const

export async function seedGenerationDemo(owner: Knex, tenant: DemoTenantRef): Promise<void> {
  if (tenant.slug !== 'pl') return
  await withTenant(owner, tenant.id, async (trx) => {
    const customer = await findCustomerByEmail(trx, demoLogins(tenant.slug).customerEmail)
    if (!customer) return
    for (const unit of UNITS) {
      if (await trx('generating_units').where({ code: unit.code }).first('id')) continue
      await trx('generating_units').insert({
        tenant_id: tenant.id,
        customer_id: customer.id,
        active_from: '2025-01-01',
        ...unit,
      })
    }
  })
}
