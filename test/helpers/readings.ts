import type { Knex } from 'knex'
import { expect } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { registerConfirmed, signedIn } from './accounts.ts'
import type { agentFor } from './agent.ts'
import { multipart } from './applications.ts'
import { createTestApp, type TestApp } from './app.ts'
import { createTenant } from './factories.ts'
import { createOperator, operatorSignIn } from './operators.ts'
import { startSmtpSink, type SmtpSink } from './smtp.ts'

export const READINGS_PASSWORD = 'ciepły wieczór 42'
type Agent = ReturnType<typeof agentFor>

interface Stored {
  read_on: string
  status: string
  source: string
  rollover: boolean
  jump_confirmed: boolean
  values: Record<string, string>
}

/** The staff form adding a meter to `customerEmail`'s account: a six-digit T1 meter unless `more` says otherwise. */
export const meterFormOf = (customerEmail: string, number: string, more: Record<string, string> = {}) => ({
  customerEmail,
  number,
  object: 'Polna 1, Gdańsk',
  tariff: 'T1',
  digits: '6',
  decimals: '0',
  multiplier: '1',
  installedOn: '2026-01-01',
  removedOn: '',
  amrCode: '',
  replaces: '',
  ...more,
})

/**
 * A tenant offering readings with one customer (meter@example.com) and an administrator,
 * and the steps the readings tests take: staff add a meter, the customer enters a reading
 * as a browser sends it (multipart, same origin), staff enter one, the rows as stored.
 */
export async function readingsEnv() {
  const smtp: SmtpSink = await startSmtpSink()
  const t: TestApp = await createTestApp({ smtpUrl: smtp.url, mailWorker: true })
  const tenant = await createTenant(t.db.owner, { enabledServices: ['readings'] })
  await registerConfirmed(t, smtp, tenant.host, 'meter@example.com', READINGS_PASSWORD)
  const admin: Agent = (await operatorSignIn(t, tenant.host, await createOperator(t, tenant.id, 'admin')))
    .agent
  const customer: Agent = await signedIn(t, tenant.host, 'meter@example.com', READINGS_PASSWORD)

  const meterForm = (number: string, more: Record<string, string> = {}) =>
    meterFormOf('meter@example.com', number, more)
  const addMeter = async (number: string, more: Record<string, string> = {}) => {
    await admin.get('/admin/readings/meters')
    const res = await admin.post('/admin/readings/meters', meterForm(number, more))
    expect(res.status, res.text).toBe(303)
    return res.headers.location!.split('/').at(-1)!
  }
  const enter = async (meterId: string, fields: Record<string, string>, photo?: Buffer, as = customer) => {
    await as.get(`/services/readings/meters/${meterId}`)
    let req = multipart(as, `/services/readings/meters/${meterId}`)
    for (const [name, value] of Object.entries(fields)) req = req.field(name, value)
    if (photo) req = req.attach('photo', photo, { filename: 'meter.jpg' })
    return req
  }
  const staffEnters = async (meterId: string, fields: Record<string, string>) => {
    await admin.get(`/admin/readings/meters/${meterId}`)
    return admin.post(`/admin/readings/meters/${meterId}/readings`, fields)
  }
  const readingsOf = (meterId: string) =>
    withTenant(t.db.owner, tenant.id, (trx) =>
      trx('meter_readings as r')
        .where({ meter_id: meterId })
        .orderBy(['read_on', 'created_at'])
        .select<Stored[]>(
          'r.read_on',
          'r.status',
          'r.source',
          'r.rollover',
          'r.jump_confirmed',
          trx.raw(
            `(SELECT json_object_agg(zone, value::text) FROM meter_reading_values v WHERE v.reading_id = r.id) AS values`,
          ),
        ),
    )
  return {
    smtp,
    t,
    tenant,
    admin,
    customer,
    meterForm,
    addMeter,
    enter,
    staffEnters,
    readingsOf,
    async close() {
      await t.close()
      await smtp.close()
    },
  }
}

/** A one-zone meter of a customer written straight to the table (M-1 unless named otherwise). */
export async function insertMeter(
  trx: Knex.Transaction,
  tenantId: string,
  customerId: string,
  amrCode: string | null,
  number = 'M-1',
): Promise<string> {
  const [meter] = await trx('meters')
    .insert({
      tenant_id: tenantId,
      customer_id: customerId,
      number,
      tariff: 'T1',
      zones: ['total'],
      digits: 6,
      decimals: 0,
      object: 'Polna 1',
      installed_on: '2026-01-01',
      amr_code: amrCode,
    })
    .returning<{ id: string }[]>('id')
  return meter!.id
}
