import http from 'node:http'
import type { AddressInfo } from 'node:net'
import knex from 'knex'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cursorRows } from '../../src/db/knex.ts'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { auditQuery, type AuditRow } from '../../src/modules/audit/repo.ts'
import { AuditFilters } from '../../src/modules/audit/schemas.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { createTenant } from '../helpers/factories.ts'
import { createOperator, operatorSignIn } from '../helpers/operators.ts'
import { cookieOf } from '../helpers/agent.ts'

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

  it('exports in batches that neither repeat nor skip an entry, each row read once (no OFFSET)', async () => {
    const statements: string[] = []
    const log = (q: { sql: string }) => statements.push(q.sql)
    t.db.owner.on('query', log)
    const actions = await withTenant(t.db.owner, tenant.id, async (trx) => {
      const seen: string[] = []
      const query = auditQuery(trx, AuditFilters.parse({ action: 'bulk' }), tenant.settings.timeZone)
      for await (const row of cursorRows<AuditRow>(trx, query, 50)) seen.push(row.action)
      return seen
    }).finally(() => t.db.owner.off('query', log))
    expect(actions).toHaveLength(120)
    expect(new Set(actions).size).toBe(120)
    expect([...actions].sort().reverse()).toEqual(actions)
    // 120 rows in batches of 50: three fetches, and no statement that skips rows to find its place.
    expect(statements.filter((s) => /^FETCH 50 FROM/.test(s))).toHaveLength(3)
    expect(statements.some((s) => /offset/i.test(s))).toBe(false)
  })
})

describe('a large export', () => {
  let t: TestApp
  let big: Awaited<ReturnType<typeof createTenant>>
  let admin: Awaited<ReturnType<typeof operatorSignIn>>['agent']

  beforeAll(async () => {
    t = await createTestApp()
    big = await createTenant(t.db.owner)
    admin = (await operatorSignIn(t, big.host, await createOperator(t, big.id, 'admin'))).agent
    // Some 30 MB of CSV: far more than the sockets between server and client hold.
    await withTenant(t.db.owner, big.id, (trx) =>
      trx.raw(
        `INSERT INTO audit_log (tenant_id, actor_type, action, details, at)
         SELECT ?, 'system', 'test.export-' || g, jsonb_build_object('note', repeat('x', 500)), now() - g * interval '1 second'
         FROM generate_series(1, 50000) g`,
        [big.id],
      ),
    )
  })
  afterAll(() => t.close())

  it('sends an export from a finished read: no transaction is open while the client downloads', async () => {
    const server = t.app.listen(0)
    try {
      if (!server.listening) await new Promise((r) => server.once('listening', r))
      const port = (server.address() as AddressInfo).port
      // A superuser sees every role's sessions in pg_stat_activity (the owner role does not);
      // other test files share the cluster, so only this file's database counts.
      const su = knex({ client: 'pg', connection: t.db.superuserUrl, pool: { min: 0, max: 1 } })
      const openTransactions = async () =>
        (
          await su.raw<{ rows: { n: number }[] }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = ? AND application_name = 'kabinet' AND state LIKE 'idle in transaction%'`,
            [t.db.name],
          )
        ).rows[0]!.n
      // A client that reads nothing for a while: whatever the sockets hold, the rest waits.
      const { status, open, bytes } = await new Promise<{ status: number; open: number; bytes: number }>(
        (resolve, reject) => {
          http
            .get(
              { port, path: '/admin/audit.csv', headers: { Host: big.host, Cookie: cookieOf(admin) } },
              (res) => {
                res.pause()
                setTimeout(() => {
                  void openTransactions().then((n) => {
                    let size = 0
                    res.on('data', (c: Buffer) => (size += c.length))
                    res.on('end', () => resolve({ status: res.statusCode!, open: n, bytes: size }))
                    res.resume()
                  }, reject)
                }, 500)
              },
            )
            .on('error', reject)
        },
      )
      await su.destroy()
      expect(status).toBe(200)
      expect(bytes).toBeGreaterThan(20 * 1024 * 1024)
      expect(open).toBe(0)
    } finally {
      server.closeAllConnections()
      server.close()
    }
  })
})
