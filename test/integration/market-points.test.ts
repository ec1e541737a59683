import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { startSimulator } from '../../src/simulator/server.ts'
import { registerConfirmed, signedIn } from '../helpers/accounts.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { createTenant } from '../helpers/factories.ts'
import { MARKET_PASSWORD } from '../helpers/market.ts'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.ts'

/** The simulator's demo account as the seed lists it: four listings, three points, one twice. */
const ACCOUNT = { account: '4200123456', password: '852741' }
const POINTS = ['4201000123001', '4201000123002', '4201000123003']
const TWICE = '4201000123001'

/**
 * Issue 20 item 4 through HTTP against the back-office simulator over real HTTP: a power
 * user queries the utility's metering points with an account number and query password,
 * generates consumption units (a point listed twice, or already a unit, is merged and
 * said so), and a refused login, a system that is down and one that sends nonsense are
 * told apart. The query password is kept nowhere.
 */
describe('market: consumption units from the utility’s metering points', () => {
  let smtp: SmtpSink
  let t: TestApp
  let simulator: { server: Server; url: string }
  let garbage: Server
  const agents: Record<string, Awaited<ReturnType<typeof signedIn>>> = {}
  let tenantId = ''

  beforeAll(async () => {
    smtp = await startSmtpSink()
    t = await createTestApp({ smtpUrl: smtp.url, mailWorker: true })
    simulator = await startSimulator(0)
    garbage = createServer((_req, res) =>
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"rows":'),
    )
    await new Promise<void>((r) => garbage.listen(0, '127.0.0.1', r))
    const garbageUrl = `http://127.0.0.1:${(garbage.address() as AddressInfo).port}`
    const signUp = async (customerSystem: string, email: string, type = 'power_user') => {
      const tenant = await createTenant(t.db.owner, {
        enabledServices: ['market'],
        phoneRegion: 'CN',
        modules: { market: { customerSystem } },
      })
      await registerConfirmed(t, smtp, tenant.host, email, MARKET_PASSWORD)
      const agent = await signedIn(t, tenant.host, email, MARKET_PASSWORD)
      await agent.get('/services/market/registration/type')
      expect(
        (await agent.post('/services/market/registration/type', { memberType: type, action: 'next' })).status,
      ).toBe(303)
      return { agent, tenant }
    }
    const main = await signUp(simulator.url, 'points@example.com')
    agents.main = main.agent
    tenantId = main.tenant.id
    agents.down = (await signUp('http://127.0.0.1:9', 'down@example.com')).agent
    agents.garbage = (await signUp(garbageUrl, 'garbage@example.com')).agent
    agents.none = (await signUp('', 'none@example.com')).agent
    agents.generator = (await signUp(simulator.url, 'gen@example.com', 'generator')).agent
  })
  afterAll(async () => {
    for (const server of [simulator.server, garbage]) {
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
    }
    await t.close()
    await smtp.close()
  })

  const query = async (who: string, form: Record<string, string>) => {
    await agents[who]!.get('/services/market/registration/units/query')
    return agents[who]!.post('/services/market/registration/units/query', form)
  }
  const unitsOf = () =>
    withTenant(t.db.owner, tenantId, (trx) =>
      trx('market_units').orderBy('metering_point').pluck<string[]>('metering_point'),
    )

  it('refuses bad input and a login the utility does not accept beside the fields, and keeps the password nowhere', async () => {
    const before = await unitsOf()
    const bad = await query('main', { account: 'x', password: '' })
    expect(bad.status).toBe(422)
    expect(bad.text).toContain('href="#account"')
    expect(bad.text).toContain('Enter the query password')

    const wrong = await query('main', { account: ACCOUNT.account, password: 'not-it-123' })
    expect(wrong.status).toBe(422)
    expect(wrong.text).toContain('did not accept this account number and query password')
    expect(wrong.text).not.toContain('not-it-123')
    expect(await unitsOf()).toEqual(before)
  })

  it('lists the account’s points once each, generates units from the chosen ones and says which were merged', async () => {
    const asked = await query('main', ACCOUNT)
    expect(asked.status, asked.text).toBe(303)
    const page = await agents.main!.get('/services/market/registration/units/query')
    for (const code of POINTS) expect(page.text.split(`value="${code}"`)).toHaveLength(2)
    expect(page.text).toContain('listed 2 times')
    expect(page.text).toContain('湖北清江发电有限公司')
    expect(page.text).not.toContain(ACCOUNT.password)

    const none = await agents.main!.post('/services/market/registration/units/generate', {})
    expect(none.status).toBe(422)
    expect(none.text).toContain('Select at least one metering point')

    const made = await agents.main!.post('/services/market/registration/units/generate', { points: POINTS })
    expect(made.status).toBe(303)
    const units = await agents.main!.get('/services/market/registration/units')
    expect(units.text).toContain('Consumption units generated: 3. Merged as duplicates: ' + TWICE)
    expect(await unitsOf()).toEqual(POINTS)
    const accounts = await withTenant(t.db.owner, tenantId, (trx) =>
      trx('market_units').distinct().pluck<string[]>('utility_account'),
    )
    expect(accounts).toEqual([ACCOUNT.account])

    // Asked again: every point is already a unit, so nothing is added and all are merged.
    await query('main', ACCOUNT)
    await agents.main!.get('/services/market/registration/units/query')
    await agents.main!.post('/services/market/registration/units/generate', { points: [POINTS[1]!] })
    expect((await agents.main!.get('/services/market/registration/units')).text).toContain(
      `Consumption units generated: 0. Merged as duplicates: ${POINTS[1]}`,
    )
    expect(await unitsOf()).toEqual(POINTS)

    // The query password is in no column of any row and in no log line.
    const found = await withTenant(t.db.owner, tenantId, (trx) =>
      trx.raw(`SELECT count(*) AS n FROM market_members m WHERE m::text LIKE ?`, [`%${ACCOUNT.password}%`]),
    )
    expect(Number(found.rows[0].n)).toBe(0)
    const sessions = await t.db
      .owner('session')
      .whereRaw('sess::text LIKE ?', [`%${ACCOUNT.password}%`])
      .count<{ count: string }[]>()
    expect(Number(sessions[0]!.count)).toBe(0)
    expect(t.logs.join('')).not.toContain(ACCOUNT.password)
  })

  it('tells a system that is down from one that sends nonsense, and offers the query only where it applies', async () => {
    const down = await query('down', ACCOUNT)
    expect(down.status).toBe(503)
    expect(down.text).toContain('cannot be reached now')
    const garbage = await query('garbage', ACCOUNT)
    expect(garbage.status).toBe(503)
    expect(garbage.text).toContain('sent an answer we cannot read')
    expect(garbage.text).not.toContain(ACCOUNT.password)

    // No customer system: the units page offers no query and the query is not there.
    expect((await agents.none!.get('/services/market/registration/units')).text).not.toContain('units/query')
    expect((await agents.none!.get('/services/market/registration/units/query')).status).toBe(404)
    // A generation company has no consumption units.
    expect((await agents.generator!.get('/services/market/registration/units/query')).status).toBe(404)
    expect((await agents.main!.get('/services/market/registration/units')).text).toContain('units/query')
  })
})
