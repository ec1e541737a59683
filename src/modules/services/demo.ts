import type { Knex } from 'knex'
import { withTenant } from '../../db/tenant-scope.ts'
import type { DemoTenantRef } from '../../module.ts'
import { hashTypedToken } from '../../platform/typed-token.ts'
import { demoLogins } from '../../platform/demo.ts'

/** Typed tokens of the pending PGB enrolments in the `pl` demo (paths 4a and 4b of seed 000). */
export const DEMO_ENROLMENTS = [
  {
    token: 'PGB0-DEM0-2026',
    email: demoLogins('pl').customerEmail,
    company: 'Farma Wiatrowa Bałtyk Sp. z o.o.',
  },
  {
    token: 'PGB1-DEM0-2026',
    email: 'generator@pl.kabinet.test',
    company: 'Elektrownia Słoneczna Żuławy Sp. z o.o.',
  },
] as const

/** The `pl` demo's pending PGB enrolments, and the banner lines that print their tokens. */
export async function seedServicesDemo(owner: Knex, tenant: DemoTenantRef): Promise<string[]> {
  if (tenant.slug !== 'pl') return []
  await seedDemoEnrolments(owner, tenant.id)
  return DEMO_ENROLMENTS.map((e) => `PGB token for ${e.email}: ${e.token}  (${tenant.url}/enrol)`)
}

/** Pending, unexpired PGB enrolments with known tokens, refreshed at every development start. */
async function seedDemoEnrolments(owner: Knex, tenantId: string): Promise<void> {
  const now = new Date()
  const expires = new Date(now.getTime() + 14 * 86_400_000)
  await withTenant(owner, tenantId, async (trx) => {
    for (const e of DEMO_ENROLMENTS) {
      const tokenHash = hashTypedToken(e.token)!
      const existing = await trx('enrolments')
        .where({ token_hash: tokenHash })
        .first<{ id: string; used_at: Date | null } | undefined>()
      if (existing) {
        if (!existing.used_at)
          await trx('enrolments')
            .where({ id: existing.id })
            .update({ expires_at: expires, revoked_at: null, failed_attempts: 0 })
        continue
      }
      await trx('enrolments').insert({
        tenant_id: tenantId,
        service: 'pgb',
        company: e.company,
        email: e.email,
        token_hash: tokenHash,
        created_at: now,
        expires_at: expires,
      })
    }
  })
}
