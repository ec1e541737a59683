import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { createTenant } from '../helpers/factories.ts'
import { createOperator, operatorSignIn } from '../helpers/operators.ts'

describe('staff lists page and export what they show', () => {
  let t: TestApp
  let tenant: Awaited<ReturnType<typeof createTenant>>
  let staff: Awaited<ReturnType<typeof operatorSignIn>>['agent']

  beforeAll(async () => {
    t = await createTestApp()
    tenant = await createTenant(t.db.owner)
    staff = (await operatorSignIn(t, tenant.host, await createOperator(t, tenant.id, 'operator'))).agent
    await withTenant(t.db.owner, tenant.id, (trx) =>
      trx('customers').insert(
        Array.from({ length: 75 }, (_, i) => ({
          tenant_id: tenant.id,
          email: `c${String(i).padStart(2, '0')}@${i % 3 === 0 ? 'wind' : 'sun'}.example`,
          status: 'active',
          full_name: i === 7 ? '=cmd|calc' : `Customer ${i}`,
          created_at: new Date(Date.UTC(2026, 0, 1) + i * 86_400_000),
        })),
      ),
    )
  })
  afterAll(() => t.close())

  it('pages customers 50 at a time instead of stopping silently', async () => {
    const first = await staff.get('/admin/customers')
    expect(first.text).toContain('75 customers — page 1 of 2')
    expect(first.text).toContain('c74@sun.example')
    expect(first.text).not.toContain('c10@sun.example')
    expect(first.text).toContain('href="/admin/customers?page=2"')
    const second = await staff.get('/admin/customers?page=2')
    expect(second.text).toContain('c00@wind.example')
    expect((await staff.get('/admin/customers?page=999')).text).toContain('page 2 of 2')
    const wind = await staff.get('/admin/customers?q=wind')
    expect(wind.text).toContain('25 customers')
    expect(wind.text).not.toContain('page 1 of')
  })

  it('exports the searched customers, every page of them, as CSV', async () => {
    const all = await staff.raw.get('/admin/customers.csv').set('Host', tenant.host)
    expect(all.headers['content-disposition']).toMatch(/^attachment;/)
    const lines = all.text.slice(1).split('\r\n').filter(Boolean)
    expect(lines).toHaveLength(76)
    expect(lines[0]).toBe('Email address,Name,Status,Phone,Registered')
    expect(all.text).toContain("'=cmd|calc")
    const wind = await staff.raw.get('/admin/customers.csv?q=wind').set('Host', tenant.host)
    expect(wind.text.slice(1).split('\r\n').filter(Boolean)).toHaveLength(26)
  })

  it('pages enrolments and access requests, and exports each', async () => {
    const now = Date.now()
    await withTenant(t.db.owner, tenant.id, async (trx) => {
      await trx('enrolments').insert(
        Array.from({ length: 55 }, (_, i) => ({
          tenant_id: tenant.id,
          service: 'applications',
          company: `Farma ${i}`,
          email: `e${i}@farma.example`,
          token_hash: `hash-${i}`,
          created_at: new Date(now - i * 60_000),
          expires_at: new Date(now + 86_400_000),
        })),
      )
      await trx('access_requests').insert(
        Array.from({ length: 52 }, (_, i) => ({
          tenant_id: tenant.id,
          service: 'applications',
          company: `Firma ${i}`,
          email: `r${i}@firma.example`,
          phone: '+48512345678',
          locale: 'en',
          created_at: new Date(now - i * 60_000),
        })),
      )
    })
    const enrolments = await staff.get('/admin/enrolments?status=pending')
    expect(enrolments.text).toContain('55 enrolments — page 1 of 2')
    expect(enrolments.text).toContain('href="/admin/enrolments?status=pending&amp;page=2"')
    const enrolmentsCsv = await staff.raw.get('/admin/enrolments.csv?status=pending').set('Host', tenant.host)
    expect(enrolmentsCsv.text.slice(1).split('\r\n').filter(Boolean)).toHaveLength(56)
    expect(enrolmentsCsv.text).not.toContain('hash-')

    const requests = await staff.get('/admin/access-requests')
    expect(requests.text).toContain('52 requests — page 1 of 2')
    const requestsCsv = await staff.raw.get('/admin/access-requests.csv').set('Host', tenant.host)
    expect(requestsCsv.text.slice(1).split('\r\n').filter(Boolean)).toHaveLength(53)
  })

  it('exports the staff list for administrators', async () => {
    const admin = (await operatorSignIn(t, tenant.host, await createOperator(t, tenant.id, 'admin'))).agent
    const page = await admin.get('/admin/operators')
    expect(page.text).toContain('href="/admin/operators.csv"')
    const csv = await admin.raw.get('/admin/operators.csv').set('Host', tenant.host)
    const lines = csv.text.slice(1).split('\r\n').filter(Boolean)
    expect(lines[0]).toBe('Name,Email address,Role,Status')
    expect(lines).toHaveLength(3)
    expect((await staff.raw.get('/admin/operators.csv').set('Host', tenant.host)).status).toBe(404)
  })
})
