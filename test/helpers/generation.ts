import type { Knex } from 'knex'
import type { agentFor } from './agent.ts'
import { registerConfirmed } from './accounts.ts'
import { createTestApp, type TestApp } from './app.ts'
import { createTenant } from './factories.ts'
import { createOperator, operatorSignIn } from './operators.ts'
import { startSmtpSink, type SmtpSink } from './smtp.ts'

type Agent = ReturnType<typeof agentFor>

/** A customer's generating unit written as the owner, inside the tenant's scope; its id. */
export async function insertUnit(
  trx: Knex.Transaction,
  tenantId: string,
  customerId: string,
  fields: Partial<{ code: string; name: string; technology: string; capacity_kw: number }> = {},
): Promise<string> {
  const [unit] = await trx('generating_units')
    .insert({
      tenant_id: tenantId,
      customer_id: customerId,
      code: 'PV-1',
      name: 'Solar',
      technology: 'pv',
      capacity_kw: 100,
      active_from: '2026-01-01',
      ...fields,
    })
    .returning<{ id: string }[]>('id')
  return unit!.id
}

/** A grid form as the browser posts it: every interval's input, the version it was made from. */
export function gridForm(
  values: readonly (string | number)[],
  action: 'approve' | 'draft',
  base = 0,
): Record<string, string> {
  const form: Record<string, string> = { action, base: String(base) }
  values.forEach((v, i) => (form[`v${i + 1}`] = String(v)))
  return form
}

/** Opens the day's page (for its CSRF token) and posts the grid. */
export async function postDay(agent: Agent, unitId: string, day: string, form: Record<string, string>) {
  await agent.get(`/services/pgb/units/${unitId}/days/${day}`)
  return agent.post(`/services/pgb/units/${unitId}/days/${day}`, form)
}

/** A day of 15-minute values shaped like a solar plant: zero at night, a hump at noon. */
export const solarDay = (count: number, peak: number) =>
  Array.from({ length: count }, (_, i) => {
    const hour = (i * 24) / count
    return hour < 6 || hour >= 20 ? 0 : Number((peak * Math.sin(((hour - 6) / 14) * Math.PI)).toFixed(3))
  })

/**
 * A test app with one tenant whose PGB service is open to its customers, the customers of
 * `emails` registered (with `password`) and one signed-in administrator.
 */
export async function pgbTenant(emails: readonly string[], password: string) {
  const smtp: SmtpSink = await startSmtpSink()
  const t: TestApp = await createTestApp({ smtpUrl: smtp.url, mailWorker: true })
  const tenant = await createTenant(t.db.owner, {
    enabledServices: ['pgb'],
    modules: { services: { access: { pgb: 'open' } } },
  })
  for (const email of emails) await registerConfirmed(t, smtp, tenant.host, email, password)
  const admin = (await operatorSignIn(t, tenant.host, await createOperator(t, tenant.id, 'admin'))).agent
  return {
    smtp,
    t,
    tenant,
    admin,
    close: async () => {
      await t.close()
      await smtp.close()
    },
  }
}
