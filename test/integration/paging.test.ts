import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { registerConfirmed, signedIn } from '../helpers/accounts.ts'
import { READING, postApplication, seedType } from '../helpers/applications.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { createTenant } from '../helpers/factories.ts'
import { createOperator, operatorSignIn } from '../helpers/operators.ts'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.ts'

const PASSWORD = 'słoneczny poranek 12'
const rowsOf = (html: string, testid: string) => {
  const table = new RegExp(`data-testid="${testid}"[\\s\\S]*?</table>`).exec(html)?.[0] ?? ''
  return [...table.matchAll(/<tr class="govuk-table__row">/g)].length - 1
}

/** Lists that grow without end are read a page at a time: units, a unit's history, a conversation. */
describe('paged lists: generating units, a unit’s history, a conversation', () => {
  let smtp: SmtpSink
  let t: TestApp
  let tenant: Awaited<ReturnType<typeof createTenant>>
  let staff: Awaited<ReturnType<typeof operatorSignIn>>['agent']
  let unitId: string
  let customerId: string

  beforeAll(async () => {
    smtp = await startSmtpSink()
    t = await createTestApp({ smtpUrl: smtp.url, mailWorker: true })
    tenant = await createTenant(t.db.owner, { enabledServices: ['applications', 'pgb'] })
    await seedType(t.db.owner, tenant.id, 'reading', READING)
    await registerConfirmed(t, smtp, tenant.host, 'pages@example.com', PASSWORD)
    staff = (await operatorSignIn(t, tenant.host, await createOperator(t, tenant.id, 'admin'))).agent
    // 60 units (PV-01 … PV-60); the first has 55 days with one approved version each.
    await withTenant(t.db.owner, tenant.id, async (trx) => {
      customerId = String((await trx('customers').first('id')).id)
      const units = await trx('generating_units')
        .insert(
          Array.from({ length: 60 }, (_, i) => ({
            tenant_id: tenant.id,
            customer_id: customerId,
            code: `PV-${String(i + 1).padStart(2, '0')}`,
            name: i === 41 ? 'Farma Bałtyk' : `Farma ${i + 1}`,
            technology: 'pv',
            capacity_kw: 1000,
            active_from: '2026-01-01',
          })),
        )
        .returning<{ id: string; code: string }[]>(['id', 'code'])
      unitId = units.find((u) => u.code === 'PV-01')!.id
      for (let d = 0; d < 55; d++) {
        const day = new Date(Date.UTC(2026, 0, 1 + d)).toISOString().slice(0, 10)
        const [schedule] = await trx('schedules')
          .insert({ tenant_id: tenant.id, unit_id: unitId, day, status: 'submitted', version: 1 })
          .returning<{ id: string }[]>('id')
        await trx('schedule_versions').insert({
          tenant_id: tenant.id,
          schedule_id: schedule!.id,
          version: 1,
          status: 'submitted',
          resolution: 60,
          first_start: `${day}T00:00:00Z`,
          values: trx.raw('array_fill(1::numeric, ARRAY[24])'),
          total: 24,
        })
      }
    })
  })
  afterAll(async () => {
    await t.close()
    await smtp.close()
  })

  it('shows the units 50 to a page, in code order, with a search by code or name', async () => {
    const first = await staff.get('/admin/generation/units')
    expect(first.status).toBe(200)
    expect(rowsOf(first.text, 'units')).toBe(50)
    expect(first.text).toContain('60 units')
    expect(first.text).toContain('PV-50')
    expect(first.text).not.toContain('PV-51')
    const second = await staff.get('/admin/generation/units?page=2')
    expect(rowsOf(second.text, 'units')).toBe(10)
    expect(second.text).toContain('PV-60')
    expect(second.text).toContain('pages@example.com')
    const found = await staff.get('/admin/generation/units?q=ba%C5%82tyk')
    expect(rowsOf(found.text, 'units')).toBe(1)
    expect(found.text).toContain('PV-42')
    const none = await staff.get('/admin/generation/units?q=nothing-like-it')
    expect(none.text).toContain('No unit has that code or name.')
    const bad = await staff.get('/admin/generation/units?q=PV%00')
    expect(bad.status).toBe(422)
    expect(bad.text).toContain('href="#q"')
    expect(bad.text).toContain('Remove the control characters')
  })

  it('shows a unit’s history 50 versions to a page, newest day first', async () => {
    const first = await staff.get(`/admin/generation/units/${unitId}`)
    expect(rowsOf(first.text, 'history')).toBe(50)
    expect(first.text).toContain('55 versions')
    expect(first.text).toContain('?day=2026-02-24')
    expect(first.text).not.toContain('?day=2026-01-05"')
    const second = await staff.get(`/admin/generation/units/${unitId}?page=2`)
    expect(rowsOf(second.text, 'history')).toBe(5)
    expect(second.text).toContain('?day=2026-01-01')
  })

  it('shows the newest 50 messages of a conversation, and the earlier ones a page back', async () => {
    const customer = await signedIn(t, tenant.host, 'pages@example.com', PASSWORD)
    const sent = await postApplication(customer, '/services/applications/new/reading', {
      text: 'Read it',
      action: 'submit',
    })
    const id = /applications\/([0-9a-f-]{36})\/sent/.exec(sent.headers.location!)![1]!
    await withTenant(t.db.owner, tenant.id, (trx) =>
      trx('application_messages').insert(
        Array.from({ length: 60 }, (_, i) => ({
          tenant_id: tenant.id,
          application_id: id,
          author_type: 'customer',
          author_id: customerId,
          body: `message number ${i + 1}.`,
        })),
      ),
    )
    const page = await customer.get(`/services/applications/${id}`)
    const shown = [...page.text.matchAll(/message number (\d+)\./g)].map((m) => Number(m[1]))
    expect(shown).toEqual(Array.from({ length: 50 }, (_, i) => i + 11))
    const earlier = /data-testid="earlier" href="([^"]+)"|href="([^"]+)" data-testid="earlier"/.exec(
      page.text,
    )
    const href = (earlier?.[1] ?? earlier?.[2] ?? '').replaceAll('&amp;', '&')
    expect(href).toMatch(/\?before=\d+#chat$/)
    const back = await customer.get(href.replace(/#chat$/, ''))
    expect([...back.text.matchAll(/message number (\d+)\./g)].map((m) => Number(m[1]))).toEqual(
      Array.from({ length: 10 }, (_, i) => i + 1),
    )
    expect(back.text).not.toContain('data-testid="earlier"')
    const staffPage = await staff.get(`/admin/applications/${id}`)
    expect([...staffPage.text.matchAll(/message number (\d+)\./g)]).toHaveLength(50)
  })
})
