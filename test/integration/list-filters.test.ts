import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { createTenant } from '../helpers/factories.ts'
import { createOperator, operatorSignIn } from '../helpers/operators.ts'

/** Hostile values in lists' query strings, each with the message its field should show. */
const CASES = [
  ['/admin/applications?from=2026-02-30', 'from', 'Enter a real date, for example 2026-11-30'],
  ['/admin/applications?to=9999-99-99', 'to', 'Enter a real date, for example 2026-11-30'],
  ['/admin/applications?q=a%00b', 'q', 'Remove the control characters'],
  ['/admin/applications.csv?from=2026-02-30', 'from', 'Enter a real date, for example 2026-11-30'],
  ['/admin/audit?from=2026-13-01', 'from', 'Enter a real date, for example 2026-11-30'],
  ['/admin/audit?action=x%00', 'action', 'Remove the control characters'],
  ['/admin/audit.csv?to=2026-02-29', 'to', 'Enter a real date, for example 2026-11-30'],
  // Found by the form fuzzer: these searches were a 500 (Postgres refuses NUL in text).
  ['/admin/customers?q=%00', 'q', 'Remove the control characters'],
  ['/admin/customers.csv?q=a%00', 'q', 'Remove the control characters'],
  ['/admin/enrolments?service=pgb%00', 'filter-service', 'Remove the control characters'],
  ['/admin/enrolments.csv?status=%07', 'status', 'Remove the control characters'],
] as const

describe('list filters read like forms', () => {
  let t: TestApp
  let staff: Awaited<ReturnType<typeof operatorSignIn>>['agent']
  beforeAll(async () => {
    t = await createTestApp()
    const tenant = await createTenant(t.db.owner)
    staff = (await operatorSignIn(t, tenant.host, await createOperator(t, tenant.id, 'admin'))).agent
  })
  afterAll(() => t.close())

  it.for(CASES)(
    '%s: 422 with the message beside the field and in the summary, nothing exported',
    async ([url, field, message]) => {
      const res = await staff.get(url)
      expect(res.status).toBe(422)
      expect(res.headers['content-type']).toMatch(/^text\/html/)
      expect(res.text).toContain(`href="#${field}"`)
      expect(res.text).toMatch(new RegExp(`id="${field}-error"[^>]*>[\\s\\S]*?${message}`))
    },
  )

  it('takes real dates and plain text as filters', async () => {
    expect((await staff.get('/admin/applications?from=2024-02-29&to=2026-11-30&q=SP-2026')).status).toBe(200)
    expect((await staff.get('/admin/audit?from=2024-02-29&action=settings')).status).toBe(200)
    const csv = await staff.get('/admin/audit.csv?from=2024-02-29')
    expect(csv.status).toBe(200)
    expect(csv.headers['content-type']).toMatch(/^text\/csv/)
  })
})
