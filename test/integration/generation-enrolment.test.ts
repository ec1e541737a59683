import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { remindTenant } from '../../src/modules/generation/reminders.ts'
import { registerConfirmed, signedIn } from '../helpers/accounts.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { createTenant } from '../helpers/factories.ts'
import { createOperator, operatorSignIn } from '../helpers/operators.ts'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.ts'

const PASSWORD = 'zielona energia z wiatru 1'
const EMAIL = 'nowa.farma@example.com'

describe('generation planning: a unit added while issuing the PGB token (seed 000 step 2)', () => {
  let smtp: SmtpSink
  let t: TestApp
  let tenant: Awaited<ReturnType<typeof createTenant>>
  let staff: Awaited<ReturnType<typeof operatorSignIn>>['agent']

  beforeAll(async () => {
    smtp = await startSmtpSink()
    t = await createTestApp({ smtpUrl: smtp.url, mailWorker: true })
    tenant = await createTenant(t.db.owner, { enabledServices: ['pgb'] })
    staff = (await operatorSignIn(t, tenant.host, await createOperator(t, tenant.id, 'operator'))).agent
  })
  afterAll(async () => {
    await t.close()
    await smtp.close()
  })

  it('links the unit to the pending enrolment, and the unit becomes the customer’s when the token is redeemed', async () => {
    await staff.get('/admin/enrolments')
    expect(
      (
        await staff.post('/admin/enrolments', {
          service: 'pgb',
          company: 'Nowa Farma',
          email: EMAIL,
          phone: '',
        })
      ).status,
    ).toBe(303)
    const mail = await smtp.waitFor((m) => m.envelopeTo.includes(EMAIL))
    const token = /\b([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})\b/.exec(mail.text ?? '')![1]!
    const list = await staff.get('/admin/enrolments')
    const link = /href="(\/admin\/generation\/units\?enrolment=[0-9a-f-]{36})"/.exec(list.text)![1]!
    const form = await staff.get(link)
    expect(form.text).toContain(`value="${EMAIL}"`)
    const created = await staff.post('/admin/generation/units', {
      customerEmail: EMAIL,
      code: 'WF-NOWA-1',
      name: 'Nowa Farma 1',
      technology: 'wind',
      capacity: '6000',
      connectionPoint: '',
      activeFrom: '2026-01-01',
      activeTo: '',
    })
    expect(created.status).toBe(303)
    expect((await staff.get('/admin/generation/units')).text).toContain('token not redeemed yet')
    // Nobody to remind while the token waits.
    t.clock.set('2026-11-21T10:30:00Z')
    expect(await remindTenant(t.deps, (await t.deps.tenants.byHost(tenant.host))!)).toBe(0)

    await registerConfirmed(t, smtp, tenant.host, EMAIL, PASSWORD)
    const customer = await signedIn(t, tenant.host, EMAIL, PASSWORD)
    await customer.get('/account/services/pgb/register')
    expect((await customer.post('/account/services/pgb/register', { token })).headers.location).toBe(
      '/services/pgb',
    )
    // Handed over by the redemption itself (audited), not by whoever reads next.
    const unit = await withTenant(t.db.owner, tenant.id, (trx) =>
      trx('generating_units')
        .where({ code: 'WF-NOWA-1' })
        .first<{ id: string; customer_id: string | null }>('id', 'customer_id'),
    )
    expect(unit.customer_id).not.toBeNull()
    const claimed = await withTenant(t.db.owner, tenant.id, (trx) =>
      trx('audit_log').where({ action: 'generation.unit-claimed', target_id: unit.id }).select('actor_type'),
    )
    expect(claimed).toEqual([{ actor_type: 'customer' }])

    // Reading the pages writes nothing.
    const writes: string[] = []
    const onQuery = (q: { sql: string }) => {
      if (/^\s*(insert|update|delete)\b/i.test(q.sql)) writes.push(q.sql)
    }
    t.deps.db.on('query', onQuery)
    try {
      expect((await customer.get('/services/pgb')).text).toContain('WF-NOWA-1')
      await staff.get('/admin/generation')
      await staff.get('/admin/generation/units')
    } finally {
      t.deps.db.off('query', onQuery)
    }
    expect(writes).toEqual([])
    expect(await remindTenant(t.deps, (await t.deps.tenants.byHost(tenant.host))!)).toBe(1)
  })
})
