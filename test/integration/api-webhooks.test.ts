import { createHmac } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { WEBHOOK_SWEEP } from '../../src/modules/api/webhooks.service.ts'
import { deliverWebhook, type DeliveryJob } from '../../src/modules/api/webhooks/deliver.ts'
import { sweepOlderThan } from '../../src/platform/jobs.ts'
import { registerConfirmed, signedIn } from '../helpers/accounts.ts'
import { multipart, postApplication, READING, seedType } from '../helpers/applications.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { createTenant } from '../helpers/factories.ts'
import { gridForm, insertUnit, postDay } from '../helpers/generation.ts'
import { createOperator, operatorSignIn } from '../helpers/operators.ts'
import { meterFormOf } from '../helpers/readings.ts'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.ts'
import { startReceiver } from '../helpers/webhooks.ts'

const PASSWORD = 'haki na zdarzenia'
type Agent = Awaited<ReturnType<typeof signedIn>>

/** Issue 22 item 8: an account's webhooks, signed deliveries of its events, retries and the log. */
describe('public API: webhooks', () => {
  let smtp: SmtpSink
  let t: TestApp
  let tenant: Awaited<ReturnType<typeof createTenant>>
  let receiver: Awaited<ReturnType<typeof startReceiver>>
  let owner: Agent
  let staff: Agent

  const addEndpoint = async (agent: Agent, form: Record<string, string | string[]>) => {
    await agent.get('/account/webhooks')
    return agent.post('/account/webhooks', form)
  }
  /** An endpoint of the owner's at its own path of the receiver; its id and secret. */
  const endpoint = async (path: string, events: string[]) => {
    const made = await addEndpoint(owner, { url: `${receiver.url}${path}`, events })
    expect(made.status, made.text).toBe(200)
    return {
      secret: /data-testid="webhook-secret">(whsec_[A-Za-z0-9_-]{43})</.exec(made.text)![1]!,
      id: /href="\/account\/webhooks\/([0-9a-f-]{36})"/.exec(made.text)![1]!,
    }
  }
  const at = (path: string) => receiver.received.filter((r) => r.path === path)
  type Json = { id: string; type: string; data: Record<string, unknown> }
  /** The deliveries one path got of one event type, parsed. */
  const deliveriesOf = (path: string, type: string) =>
    at(path)
      .filter((r) => r.headers['kabinet-event'] === type)
      .map((r) => JSON.parse(r.body) as Json)
  const arrived = (path: string, type: string, count = 1) =>
    expect.poll(() => deliveriesOf(path, type).length, { timeout: 20_000, interval: 100 }).toBe(count)

  beforeAll(async () => {
    smtp = await startSmtpSink()
    receiver = await startReceiver()
    t = await createTestApp({ smtpUrl: smtp.url, mailWorker: true })
    tenant = await createTenant(t.db.owner, {
      enabledServices: ['applications', 'readings', 'pgb'],
      modules: { services: { access: { pgb: 'open' } } },
    })
    await seedType(t.db.owner, tenant.id, 'reading', READING)
    await registerConfirmed(t, smtp, tenant.host, 'hooks@example.com', PASSWORD)
    owner = await signedIn(t, tenant.host, 'hooks@example.com', PASSWORD)
    staff = (await operatorSignIn(t, tenant.host, await createOperator(t, tenant.id, 'admin'))).agent
  })
  afterAll(async () => {
    await t.close()
    await smtp.close()
    await receiver.close()
  })

  it('adds an endpoint only with a usable address and an event, and shows its secret once', async () => {
    const cases: [Record<string, string | string[]>, string, string][] = [
      [{ url: 'ftp://example.com/x', events: ['ping'] }, 'url', 'The address must start with https://'],
      [
        { url: 'https://user:pass@example.com/x', events: ['reading.decided'] },
        'url',
        'Enter a full address, such as https://example.com/hook, without a user name, password or #',
      ],
      [{ url: 'https://example.com/x', events: [] }, 'events', 'Choose at least one event'],
      [{ url: 'https://example.com/x', events: ['everything'] }, 'events', 'Choose at least one event'],
    ]
    for (const [form, field, message] of cases) {
      const res = await addEndpoint(owner, form)
      expect(res.status, JSON.stringify(form)).toBe(422)
      expect(res.text).toContain(`href="#${field}">${message}`)
    }
    expect(
      await withTenant(t.db.owner, tenant.id, (trx) => trx('webhook_endpoints').count('* as n')),
    ).toEqual([{ n: '0' }])

    const { id, secret } = await endpoint('/shown-once', ['reading.decided'])
    const page = await owner.get(`/account/webhooks/${id}`)
    expect(page.status).toBe(200)
    expect(page.text).toContain(`${receiver.url}/shown-once`)
    expect(page.text).not.toContain(secret)
    expect((await owner.get('/account/webhooks')).text).not.toContain(secret)
    // Deleted: gone from the list, its page not found.
    await owner.post(`/account/webhooks/${id}/delete`, {})
    expect((await owner.get('/account/webhooks')).text).not.toContain('/shown-once')
    expect((await owner.get(`/account/webhooks/${id}`)).status).toBe(404)
  })

  // Five events, each a job the worker picks up within a second: longer than most tests.
  it(
    "signs and delivers the account's events as they happen, and not a customer's own message",
    { timeout: 90_000 },
    async () => {
      const { secret } = await endpoint('/events', [
        'application.status_changed',
        'application.message',
        'schedule.decided',
        'reading.decided',
      ])
      const sent = await postApplication(owner, '/services/applications/new/reading', {
        text: 'x',
        action: 'submit',
      })
      const applicationId = /applications\/([0-9a-f-]{36})\/sent/.exec(sent.headers.location!)![1]!
      await staff.get(`/admin/applications/${applicationId}`)
      const moved = await multipart(staff, `/admin/applications/${applicationId}/status`)
        .field('to', 'inProgress')
        .field('expected', 'submitted')
      expect(moved.status).toBe(303)
      await arrived('/events', 'application.status_changed', 2)
      // Sent side by side, deliveries may arrive in any order (the documentation says so).
      expect(
        deliveriesOf('/events', 'application.status_changed')
          .map((d) => [d.data.from, d.data.to])
          .sort(),
      ).toEqual([
        ['draft', 'submitted'],
        ['submitted', 'inProgress'],
      ])

      // Every delivery: the signature is HMAC-SHA256 of "t.body" with the secret shown once.
      for (const r of at('/events')) {
        const [, at, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(r.headers['kabinet-signature']))!
        expect(v1).toBe(createHmac('sha256', secret).update(`${at}.${r.body}`).digest('hex'))
        expect(Number(at)).toBe(Math.floor(t.clock.now().getTime() / 1000))
        expect(r.headers['content-type']).toBe('application/json')
        expect(r.headers['kabinet-delivery']).toBe((JSON.parse(r.body) as Json).id)
      }

      await owner.get(`/services/applications/${applicationId}`)
      await multipart(owner, `/services/applications/${applicationId}/messages`).field('body', 'From me')
      await staff.get(`/admin/applications/${applicationId}`)
      await multipart(staff, `/admin/applications/${applicationId}/messages`).field('body', 'From staff')
      await arrived('/events', 'application.message')
      expect(deliveriesOf('/events', 'application.message')[0]!.data).toMatchObject({
        application: applicationId,
        n: 2,
      })

      // A reading accepted as entered.
      await staff.get('/admin/readings/meters')
      const meter = await staff.post('/admin/readings/meters', meterFormOf('hooks@example.com', 'WH-1'))
      const meterId = meter.headers.location!.split('/').at(-1)!
      await owner.get(`/services/readings/meters/${meterId}`)
      const entered = await multipart(owner, `/services/readings/meters/${meterId}`)
        .field('day', '2026-11-20')
        .field('zone-total', '1200')
      expect(entered.status).toBe(303)
      await arrived('/events', 'reading.decided')
      expect(deliveriesOf('/events', 'reading.decided')[0]!.data).toMatchObject({
        meter: meterId,
        day: '2026-11-20',
        status: 'accepted',
      })

      // A day's schedule accepted by staff.
      const unitId = await withTenant(t.db.owner, tenant.id, async (trx) => {
        const me = await trx('customers').where({ email: 'hooks@example.com' }).first<{ id: string }>('id')
        return insertUnit(trx, tenant.id, me.id, { code: 'PV-HOOK', capacity_kw: 1000 })
      })
      const values = Array.from({ length: 96 }, () => 0)
      expect((await postDay(owner, unitId, '2026-11-26', gridForm(values, 'approve', 0))).status).toBe(303)
      const scheduleId = await withTenant(
        t.db.owner,
        tenant.id,
        async (trx) => (await trx('schedules').where({ unit_id: unitId }).first<{ id: string }>('id')).id,
      )
      await staff.get(`/admin/generation/schedules/${scheduleId}`)
      await staff.post(`/admin/generation/schedules/${scheduleId}`, { to: 'accepted', version: '1' })
      await arrived('/events', 'schedule.decided')
      expect(deliveriesOf('/events', 'schedule.decided')[0]!.data).toMatchObject({
        unit: unitId,
        day: '2026-11-26',
        version: 1,
        status: 'accepted',
      })
    },
  )

  it('tries a refused delivery again on its schedule, logs every attempt, and gives up after a day', async () => {
    const { id: endpointId } = await endpoint('/retries', ['reading.decided'])
    receiver.answers.set('/retries', [500])
    const retries = () => at('/retries')
    await owner.get(`/account/webhooks/${endpointId}`)
    expect((await owner.post(`/account/webhooks/${endpointId}/test`, {})).status).toBe(303)
    await expect.poll(() => retries().length, { timeout: 10_000 }).toBe(1)
    const ping = JSON.parse(retries()[0]!.body) as Json
    expect(ping.type).toBe('ping')
    const row = () =>
      withTenant(t.db.owner, tenant.id, (trx) =>
        trx('webhook_deliveries')
          .where({ id: ping.id })
          .first<{ status: string; attempts: number; next_attempt_at: Date | null }>(),
      )
    await expect.poll(async () => (await row())?.attempts, { timeout: 5_000 }).toBe(1)
    // The first retry a minute after the first attempt (on the app's clock).
    expect(await row()).toMatchObject({
      status: 'pending',
      next_attempt_at: new Date(t.clock.now().getTime() + 60_000),
    })
    const log = await owner.get(`/account/webhooks/${endpointId}`)
    expect(log.text).toMatch(new RegExp(`data-delivery="${ping.id}"[^]*?Waiting[^]*?HTTP 500`))

    // The retry (its job made to run now): answered 204, delivered, same id, signed again.
    await deliverWebhook(t.deps, { tenantId: tenant.id, deliveryId: ping.id, attempt: 2 })
    expect(await row()).toMatchObject({ status: 'delivered', attempts: 2, next_attempt_at: null })
    expect(retries().map((r) => (JSON.parse(r.body) as Json).id)).toEqual([ping.id, ping.id])
    // A late duplicate of an attempt already made sends nothing.
    await deliverWebhook(t.deps, { tenantId: tenant.id, deliveryId: ping.id, attempt: 2 })
    expect(retries()).toHaveLength(2)

    // A receiver that never accepts: eight attempts, then failed, with nothing more queued.
    receiver.answers.set('/retries', Array<number>(8).fill(503))
    await owner.post(`/account/webhooks/${endpointId}/test`, {})
    await expect.poll(() => retries().length, { timeout: 10_000 }).toBe(3)
    const failing = (JSON.parse(retries()[2]!.body) as Json).id
    const job = (attempt: number): DeliveryJob => ({ tenantId: tenant.id, deliveryId: failing, attempt })
    await expect
      .poll(
        async () =>
          (
            await withTenant(t.db.owner, tenant.id, (trx) =>
              trx('webhook_attempts').where({ delivery_id: failing }),
            )
          ).length,
        { timeout: 5_000 },
      )
      .toBe(1)
    for (let attempt = 2; attempt <= 8; attempt++) await deliverWebhook(t.deps, job(attempt))
    const attempts = await withTenant(t.db.owner, tenant.id, (trx) =>
      trx('webhook_attempts').where({ delivery_id: failing }).orderBy('n').select('n', 'status_code'),
    )
    expect(attempts.map((a: { n: number; status_code: number }) => [a.n, a.status_code])).toEqual(
      [1, 2, 3, 4, 5, 6, 7, 8].map((n) => [n, 503]),
    )
    const failed = await withTenant(t.db.owner, tenant.id, (trx) =>
      trx('webhook_deliveries').where({ id: failing }).first('status', 'next_attempt_at'),
    )
    expect(failed).toEqual({ status: 'failed', next_attempt_at: null })
    await deliverWebhook(t.deps, job(9))
    expect(retries()).toHaveLength(2 + 8)
    expect((await owner.get(`/account/webhooks/${endpointId}`)).text).toMatch(
      new RegExp(`data-delivery="${failing}"[^]*?Failed`),
    )
  })

  it('refuses local addresses in production, at registration and when a name resolves to one', async () => {
    const strict = await createTestApp({
      database: t.db,
      env: { WEBHOOK_PRIVATE_ADDRESSES: 'false' },
    })
    try {
      const agent = await signedIn(strict, tenant.host, 'hooks@example.com', PASSWORD)
      for (const url of [
        'http://example.com/hook',
        'https://127.0.0.1/hook',
        'https://[::1]/x',
        'https://localhost/x',
      ]) {
        const res = await addEndpoint(agent, { url, events: ['reading.decided'] })
        expect(res.status, url).toBe(422)
      }
      // Written past the form (as an address that later resolves elsewhere would be): the
      // connection is refused whether the name resolves to loopback or the address is one.
      const port = new URL(receiver.url).port
      const me = await withTenant(t.db.owner, tenant.id, (trx) =>
        trx('customers').where({ email: 'hooks@example.com' }).first<{ id: string }>('id'),
      )
      for (const url of [
        `https://localhost:${port}/hook`,
        `http://127.0.0.1:${port}/hook`,
        `http://[::ffff:127.0.0.1]:${port}/hook`,
      ]) {
        const id = await withTenant(t.db.owner, tenant.id, async (trx) => {
          const [endpoint] = await trx('webhook_endpoints')
            .insert({
              tenant_id: tenant.id,
              account_id: me.id,
              created_by: me.id,
              url,
              events: ['ping'],
              secret: 'whsec_x',
            })
            .returning<{ id: string }[]>('id')
          const [delivery] = await trx('webhook_deliveries')
            .insert({
              tenant_id: tenant.id,
              endpoint_id: endpoint!.id,
              event: 'ping',
              payload: { type: 'ping', data: {} },
              created_at: new Date(),
            })
            .returning<{ id: string }[]>('id')
          return delivery!.id
        })
        const count = receiver.received.length
        await deliverWebhook(strict.deps, { tenantId: tenant.id, deliveryId: id, attempt: 1 })
        expect(receiver.received.length, url).toBe(count)
        const attempt = await withTenant(t.db.owner, tenant.id, (trx) =>
          trx('webhook_attempts').where({ delivery_id: id }).first('status_code', 'error'),
        )
        expect(attempt, url).toEqual({ status_code: null, error: 'private address' })
      }
    } finally {
      await strict.close()
    }
  })

  it('forgets deliveries older than 90 days with their attempts, and keeps the rest', async () => {
    const endpointId = await withTenant(t.db.owner, tenant.id, async (trx) => {
      const me = await trx('customers').where({ email: 'hooks@example.com' }).first<{ id: string }>('id')
      const [row] = await trx('webhook_endpoints')
        .insert({
          tenant_id: tenant.id,
          account_id: me.id,
          created_by: me.id,
          url: `${receiver.url}/kept`,
          events: ['reading.decided'],
          secret: 'whsec_kept',
        })
        .returning<{ id: string }[]>('id')
      return row!.id
    })
    const now = t.clock.now().getTime()
    const delivery = (daysAgo: number) =>
      withTenant(t.db.owner, tenant.id, async (trx) => {
        const at = new Date(now - daysAgo * 86_400_000)
        const [row] = await trx('webhook_deliveries')
          .insert({
            tenant_id: tenant.id,
            endpoint_id: endpointId,
            event: 'ping',
            payload: { type: 'ping', data: {} },
            status: 'delivered',
            attempts: 1,
            created_at: at,
          })
          .returning<{ id: string }[]>('id')
        await trx('webhook_attempts').insert({
          tenant_id: tenant.id,
          delivery_id: row!.id,
          n: 1,
          at,
          status_code: 204,
          duration_ms: 3,
        })
        return row!.id
      })
    const old = await delivery(91)
    const recent = await delivery(89)
    // As the daily job does it, on the app's own (runtime) connection.
    await sweepOlderThan(
      t.deps.db,
      [tenant.id],
      WEBHOOK_SWEEP.table,
      WEBHOOK_SWEEP.column,
      new Date(now - WEBHOOK_SWEEP.keepMs),
    )
    const left = await withTenant(t.db.owner, tenant.id, async (trx) => ({
      deliveries: await trx('webhook_deliveries').whereIn('id', [old, recent]).pluck('id'),
      attempts: await trx('webhook_attempts').whereIn('delivery_id', [old, recent]).pluck('delivery_id'),
    }))
    expect(left).toEqual({ deliveries: [recent], attempts: [recent] })
  })
})
