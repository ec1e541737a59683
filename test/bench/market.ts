import type { Knex } from 'knex'
import { withTenant } from '../../src/db/tenant-scope.ts'

export const REGISTRATIONS = 5_000

/**
 * 5,000 market registrations sent to the centre (each its own applicant account; every
 * member type and status), with two generating units and four documents on the first, for
 * the centre's queue and a registration's page.
 */
export async function seedMarket(owner: Knex, tenantId: string): Promise<string> {
  return withTenant(owner, tenantId, async (trx) => {
    await trx.raw(
      `INSERT INTO customers (tenant_id, email, password_hash, status, category, organisation_name,
                              created_at, confirmed_at, password_changed_at, consent_at)
       SELECT :tenant, 'member' || g || '@example.com', 'x', 'active', 'legal', 'Company ' || g, now(), now(), now(), now()
       FROM generate_series(1, :n) g`,
      { tenant: tenantId, n: REGISTRATIONS },
    )
    await trx.raw(
      `INSERT INTO market_members (tenant_id, customer_id, member_type, status, saved_parts, company_name,
                                   dispatch_name, submitted_at)
       SELECT c.tenant_id, c.id,
              (ARRAY['power_user','generator','supplier'])[1 + g % 3],
              (ARRAY['submitted','returned','approved','rejected'])[1 + g % 4],
              '{basic,business,contacts,parameters}', c.organisation_name, 'D' || g, now() - g * interval '3 minutes'
       FROM (SELECT c.*, row_number() OVER (ORDER BY c.email) AS g
             FROM customers c WHERE c.tenant_id = :tenant AND c.email LIKE 'member%') c`,
      { tenant: tenantId },
    )
    const first = await trx('market_members').orderBy('submitted_at', 'desc').first<{ id: string }>('id')
    for (const name of ['Unit 1', 'Unit 2'])
      await trx('market_units').insert({
        tenant_id: tenantId,
        member_id: first.id,
        kind: 'generating',
        name,
        unit_type: 'hydro',
        capacity_mw: '120',
        dispatch_name: name,
        connected_on: '2012-09-28',
      })
    for (const table of ['customers', 'market_members', 'market_units']) await trx.raw(`ANALYZE ${table}`)
    return first.id
  })
}
