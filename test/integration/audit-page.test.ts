import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { inBatches } from '../../src/db/knex.ts'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { auditQuery, type AuditRow } from '../../src/modules/audit/repo.ts'
import { AuditFilters } from '../../src/modules/audit/schemas.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { createTenant } from '../helpers/factories.ts'
import { createOperator, operatorSignIn } from '../helpers/operators.ts'

describe('the audit log page', () => {
  let t: TestApp
  let tenant: Awaited<ReturnType<typeof createTenant>>
  let staff: Awaited<ReturnType<typeof operatorSignIn>>['agent']

  beforeAll(async () => {
    t = await createTestApp()
    tenant = await createTenant(t.db.owner, { defaultLocale: 'pl', timeZone: 'Europe/Warsaw' })
    const email = await createOperator(t, tenant.id, 'admin')
    staff = (await operatorSignIn(t, tenant.host, email)).agent
    // 120 system entries on two local days, and one whose action a spreadsheet would run.
    await withTenant(t.db.owner, tenant.id, (trx) =>
      trx('audit_log').insert([
        ...Array.from({ length: 120 }, (_, i) => ({
          tenant_id: tenant.id,
          actor_type: 'system',
          action: `test.bulk-${String(i).padStart(3, '0')}`,
          at: new Date(Date.UTC(2026, 10, 10, 22, 30) + i * 60_000),
        })),
        { tenant_id: tenant.id, actor_type: 'system', action: '=HYPERLINK("evil")', at: new Date() },
      ]),
    )
  })
  afterAll(() => t.close())

  it('pages through every entry with the filters kept, and says how many there are', async () => {
    const first = await staff.get('/admin/audit?action=bulk&order=oldest')
    expect(first.status).toBe(200)
    expect(first.text).toContain('120 wpisów — strona 1 z 3')
    expect(first.text).toContain('test.bulk-000')
    expect(first.text).not.toContain('test.bulk-050')
    expect(first.text).toContain('href="/admin/audit?action=bulk&amp;order=oldest&amp;page=2"')
    const third = await staff.get('/admin/audit?action=bulk&order=oldest&page=3')
    expect(third.text).toContain('test.bulk-119')
    expect(third.text).toContain('strona 3 z 3')
  })

  it('reads from/to as days in the tenant’s time zone', async () => {
    // 22:30 UTC on 10 Nov is 23:30 in Warsaw: entries 0–29 fall on the 10th, the rest on the 11th.
    const tenth = await staff.get('/admin/audit?action=bulk&from=2026-11-10&to=2026-11-10')
    expect(tenth.text).toContain('30 wpisów')
    const eleventh = await staff.get('/admin/audit?action=bulk&from=2026-11-11&to=2026-11-11')
    expect(eleventh.text).toContain('90 wpisów')
  })

  it('exports what the filters show as CSV for a spreadsheet, formulas defused', async () => {
    const csv = await staff.raw.get('/admin/audit.csv?action=bulk').set('Host', tenant.host)
    expect(csv.status).toBe(200)
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8')
    expect(csv.headers['content-disposition']).toMatch(/^attachment; filename=/)
    const text = csv.text
    expect(text.charCodeAt(0)).toBe(0xfeff)
    expect(text.split('\r\n').filter(Boolean)).toHaveLength(121)
    expect(text.split('\r\n')[0]).toContain('Kiedy;Kto;')
    const all = await staff.raw.get('/admin/audit.csv').set('Host', tenant.host)
    expect(all.text).toContain(`'=HYPERLINK(""evil"")`)
  })

  it('is for administrators of this tenant only', async () => {
    expect((await request(t.app).get('/admin/audit').set('Host', tenant.host)).headers.location).toBe(
      '/admin/login',
    )
  })

  it('exports in batches that neither repeat nor skip an entry', async () => {
    const actions = await withTenant(t.db.owner, tenant.id, async (trx) => {
      const seen: string[] = []
      const query = auditQuery(trx, AuditFilters.parse({ action: 'bulk' }), tenant.settings.timeZone)
      for await (const row of inBatches<AuditRow>(query, 50)) seen.push(row.action)
      return seen
    })
    expect(actions).toHaveLength(120)
    expect(new Set(actions).size).toBe(120)
  })
})
