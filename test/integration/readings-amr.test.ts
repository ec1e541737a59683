import type { Server } from 'node:http'
import { parse } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { DEMO_AMR_ACCOUNTS, document80020 } from '../../src/simulator/amr.ts'
import { startSimulator } from '../../src/simulator/server.ts'
import { registerConfirmed, signedIn } from '../helpers/accounts.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { createTenant } from '../helpers/factories.ts'
import { insertMeter } from '../helpers/readings.ts'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.ts'

const PASSWORD = 'słoneczny poranek 12'
const [cp1251User, utf8User] = DEMO_AMR_ACCOUNTS as [
  (typeof DEMO_AMR_ACCOUNTS)[0],
  (typeof DEMO_AMR_ACCOUNTS)[0],
]

/**
 * A channel's day total as the head-end sent it, computed here without the portal's code:
 * the document's values for the meter and channel picked out by pattern, summed in
 * thousandths (the simulator writes three decimals).
 */
function expectedTotal(account: typeof cp1251User, day: string, meter: string, channel: string): bigint {
  const text = new TextDecoder(account.encoding).decode(document80020(account, day, new Date()))
  const point = text.slice(text.indexOf(`code="${meter}"`))
  const body = point.slice(point.indexOf(`<measuringchannel code="${channel}"`))
  const values = [...body.slice(0, body.indexOf('</measuringchannel>')).matchAll(/>(\d+)[.,](\d{3})</g)]
  return values.reduce((sum, [, whole, fraction]) => sum + BigInt(`${whole}${fraction}`), 0n)
}

/** Thousandths as the page shows them in English: 12,345.678. */
const shown = (thousandths: bigint) =>
  new Intl.NumberFormat('en-GB', { minimumFractionDigits: 3 }).format(Number(thousandths) / 1000)

/**
 * Issue 19 item 8: a customer asks the tenant's AMR head-end (the back-office simulator,
 * over real HTTP) for a day of their meters' data with their AMR credentials, which the
 * portal uses once and keeps nowhere.
 */
describe('readings: AMR data on demand', () => {
  let smtp: SmtpSink
  let t: TestApp
  let simulator: { server: Server; url: string }
  let customer: Awaited<ReturnType<typeof signedIn>>
  let offline: Awaited<ReturnType<typeof signedIn>>
  let none: Awaited<ReturnType<typeof signedIn>>
  const DAY = '2026-11-20'

  beforeAll(async () => {
    smtp = await startSmtpSink()
    t = await createTestApp({ smtpUrl: smtp.url, mailWorker: true })
    simulator = await startSimulator(0)
    const signUp = async (amrHeadEnd: string, email: string) => {
      const tenant = await createTenant(t.db.owner, { modules: { readings: { amrHeadEnd } } })
      await registerConfirmed(t, smtp, tenant.host, email, PASSWORD)
      return signedIn(t, tenant.host, email, PASSWORD)
    }
    customer = await signUp(simulator.url, 'amr@example.com')
    offline = await signUp('http://127.0.0.1:9', 'offline@example.com')
    none = await signUp('', 'none@example.com')
  })
  afterAll(async () => {
    simulator.server.closeAllConnections()
    await new Promise((r) => simulator.server.close(r))
    await t.close()
    await smtp.close()
  })

  const fetchDay = (agent: typeof customer, form: Record<string, string>) =>
    agent.get('/services/readings/amr').then(() => agent.post('/services/readings/amr', form))

  it('offers the form with yesterday in the tenant’s zone', async () => {
    const page = await customer.get('/services/readings/amr')
    expect(page.status).toBe(200)
    expect(page.text).toContain('name="amrPassword"')
    // The test clock's day is 2026-11-21 (Warsaw): yesterday is the 20th.
    expect(page.text).toMatch(/name="day" type="date" value="2026-11-20"/)
  })

  it.each([
    ['windows-1251 without a declaration', cp1251User],
    ['UTF-8', utf8User],
  ])('shows every meter of a %s document with its day’s A+, A−, R+ and R−', async (_, user) => {
    const res = await fetchDay(customer, { amrLogin: user.login, amrPassword: user.password, day: DAY })
    expect(res.status).toBe(200)
    expect(res.text).toContain('Data for 20 November 2026')
    for (const meter of user.meters) {
      const row = res.text.slice(res.text.indexOf(`data-meter="${meter.code}"`))
      expect(row).toContain(meter.name)
      for (const channel of ['01', '02', '03', '04']) {
        const cell = row.slice(
          row.indexOf(`data-channel="${channel}"`),
          row.indexOf('</td>', row.indexOf(`data-channel="${channel}"`)),
        )
        expect(cell).toContain(shown(expectedTotal(user, DAY, meter.code, channel)))
      }
    }
    expect(res.text).not.toContain(user.password)
  })

  it('says how many periods the head-end had no value for, instead of counting them as zero', async () => {
    const res = await fetchDay(customer, {
      amrLogin: cp1251User.login,
      amrPassword: cp1251User.password,
      day: DAY,
    })
    const second = res.text.slice(res.text.indexOf(`data-meter="${cp1251User.meters[1]!.code}"`))
    expect(second.slice(0, second.indexOf('</tr>'))).toContain('2 of 24 periods missing')
    // Each meter's day as a chart (one labelled image each) with its values beside it.
    expect(res.text.match(/<svg class="kb-chart"[^>]*role="img"/g)).toHaveLength(2)
    expect(new Set(res.text.match(/aria-labelledby="profile-chart-\d-title"/g))).toEqual(
      new Set(['aria-labelledby="profile-chart-1-title"', 'aria-labelledby="profile-chart-2-title"']),
    )
    const profile = res.text.slice(res.text.indexOf(`data-testid="profile-${cp1251User.meters[1]!.code}"`))
    const rows = [
      ...profile
        .slice(0, profile.indexOf('</table>'))
        .matchAll(/<th scope="row"[^>]*>([^<]+)<\/th><td[^>]*>([^<]+)</g),
    ]
    expect(rows).toHaveLength(24)
    expect(rows.filter(([, , value]) => value === '—').map(([, label]) => label)).toEqual(['10:00', '11:00'])
  })

  it('downloads the day’s periods as CSV: one row per meter, channel and period, a missing value left empty', async () => {
    await customer.get('/services/readings/amr')
    const res = await customer.raw
      .post('/services/readings/amr')
      .set('Host', customer.host)
      .type('form')
      .send({
        _csrf: customer.csrfToken,
        amrLogin: cp1251User.login,
        amrPassword: cp1251User.password,
        day: DAY,
        action: 'csv',
      })
      .buffer(true)
      .parse((r, done) => {
        const chunks: Buffer[] = []
        r.on('data', (c: Buffer) => chunks.push(c))
        r.on('end', () => done(null, Buffer.concat(chunks).toString('utf8')))
      })
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8')
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename="amr-2026-11-20.csv"; filename*=UTF-8''amr-2026-11-20.csv`,
    )
    const text = res.body as string
    expect(text.startsWith('\ufeff')).toBe(true)
    const rows: string[][] = parse(text.slice(1), { delimiter: ',' })
    expect(rows[0]).toEqual([
      'Object',
      'Meter',
      'Meter name',
      'Channel',
      'Day',
      'From',
      'To',
      'Value',
      'Status',
    ])
    // 48 periods × 4 channels of the first meter, 24 × 4 of the second.
    expect(rows.slice(1)).toHaveLength(48 * 4 + 24 * 4)
    const [first] = cp1251User.meters
    const document = new TextDecoder('windows-1251').decode(document80020(cp1251User, DAY, new Date()))
    const firstValue = /<period start="0000" end="0030"><value status="0">([\d,]+)</.exec(document)![1]!
    expect(rows[1]).toEqual([
      cp1251User.object,
      first!.code,
      first!.name,
      'A+',
      DAY,
      '00:00',
      '00:30',
      firstValue.replace(',', '.'),
      '0',
    ])
    const missing = rows.filter((r) => r[7] === '')
    expect(missing.map((r) => [r[1], r[3], r[5]])).toEqual(
      ['A+', 'A-', 'R+', 'R-'].flatMap((channel) => [
        [cp1251User.meters[1]!.code, channel, '10:00'],
        [cp1251User.meters[1]!.code, channel, '11:00'],
      ]),
    )
  })

  it('refuses what cannot be asked, beside each field, and asks nothing', async () => {
    const empty = await fetchDay(customer, { amrLogin: '', amrPassword: '', day: '2026-02-30' })
    expect(empty.status).toBe(422)
    for (const text of [
      'Enter your AMR user id',
      'Enter your AMR password',
      'Enter a real day, for example 2026-11-20',
    ])
      expect(empty.text).toContain(text)
    const future = await fetchDay(customer, { amrLogin: 'x', amrPassword: 'y', day: '2026-11-22' })
    expect(future.status).toBe(422)
    expect(future.text).toContain('Enter a day that has passed')
  })

  it('tells a refused login from a head-end that does not answer, and never shows the password back', async () => {
    const wrong = await fetchDay(customer, {
      amrLogin: cp1251User.login,
      amrPassword: 'not-the-password-42',
      day: DAY,
    })
    expect(wrong.status).toBe(422)
    expect(wrong.text).toContain('The metering system did not accept this user id and password')
    expect(wrong.text).toContain(`value="${cp1251User.login}"`)
    expect(wrong.text).not.toContain('not-the-password-42')
    const down = await fetchDay(offline, {
      amrLogin: utf8User.login,
      amrPassword: utf8User.password,
      day: DAY,
    })
    expect(down.status).toBe(503)
    expect(down.text).toContain('The metering system is not answering. Try again later.')
  })

  it('says so where the tenant has no AMR head-end, and takes no request for it', async () => {
    const page = await none.get('/services/readings/amr')
    expect(page.status).toBe(200)
    expect(page.text).toContain('does not offer AMR data on this portal')
    expect(page.text).not.toContain('name="amrPassword"')
    expect(
      (await none.post('/services/readings/amr', { amrLogin: 'a', amrPassword: 'b', day: DAY })).status,
    ).toBe(404)
  })

  it('remembers the AMR user id when asked, once the head-end accepted it, and forgets it when untold', async () => {
    const form = (remember: boolean, password = utf8User.password) => ({
      amrLogin: utf8User.login,
      amrPassword: password,
      day: DAY,
      ...(remember ? { remember: 'yes' } : {}),
    })
    const login = (html: string) => /<input[^>]*id="amrLogin"[^>]*value="([^"]*)"/.exec(html)?.[1]
    // A refused id is not kept, even when asked to.
    await fetchDay(customer, form(true, 'not-the-password-42'))
    expect(login((await customer.get('/services/readings/amr')).text)).toBeUndefined()
    await fetchDay(customer, form(true))
    const page = await customer.get('/services/readings/amr')
    expect(login(page.text)).toBe(utf8User.login)
    expect(page.text).toMatch(/<input[^>]*name="remember"[^>]*value="yes" checked/)
    expect(page.text).not.toContain(utf8User.password)
    await fetchDay(customer, form(false))
    expect(login((await customer.get('/services/readings/amr')).text)).toBeUndefined()
  })

  it('keeps no AMR password anywhere: not in a log line, not in any row of any table', async () => {
    await fetchDay(customer, { amrLogin: utf8User.login, amrPassword: utf8User.password, day: DAY })
    await fetchDay(customer, { amrLogin: utf8User.login, amrPassword: 'not-the-password-42', day: DAY })
    for (const secret of [utf8User.password, cp1251User.password, 'not-the-password-42']) {
      expect(t.logs.join('\n')).not.toContain(secret)
      const { rows } = await t.db.owner.raw<{ rows: { table_name: string }[] }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
      )
      for (const { table_name } of rows) {
        const found = await t.db.owner.raw<{ rows: { n: string }[] }>(
          `SELECT count(*) AS n FROM ?? AS r WHERE r::text LIKE ?`,
          [table_name, `%${secret}%`],
        )
        expect({ table: table_name, n: found.rows[0]!.n }).toEqual({ table: table_name, n: '0' })
      }
    }
  })

  it('keeps a fetched day as interval data: the meter says how far it is complete and shows the day, gaps as gaps', async () => {
    const tenant = await createTenant(t.db.owner, {
      timeZone: 'Europe/Moscow',
      modules: { readings: { amrHeadEnd: simulator.url } },
    })
    await registerConfirmed(t, smtp, tenant.host, 'kept@example.com', PASSWORD)
    const kept = await signedIn(t, tenant.host, 'kept@example.com', PASSWORD)
    // The account's hourly meter, which misses periods 10 and 11 (10:00–12:00) on every day.
    const code = cp1251User.meters[1]!.code
    const meterId = await withTenant(t.db.owner, tenant.id, async (trx) => {
      const owner = await trx('customers').where({ email: 'kept@example.com' }).first<{ id: string }>('id')
      return insertMeter(trx, tenant.id, owner.id, code, code)
    })
    expect((await kept.get(`/services/readings/meters/${meterId}`)).text).toContain('No AMR data kept yet')
    const form = { amrLogin: cp1251User.login, amrPassword: cp1251User.password, day: DAY }
    expect((await fetchDay(kept, form)).status).toBe(200)
    const rows = await withTenant(t.db.owner, tenant.id, (trx) =>
      trx('amr_intervals')
        .where({ point_code: code, channel: '01' })
        .orderBy('starts_at')
        .select('starts_at', 'value'),
    )
    expect(rows).toHaveLength(24)
    expect(rows.filter((r) => r.value === null)).toHaveLength(2)
    // Fetching the same day again changes nothing.
    expect((await fetchDay(kept, form)).status).toBe(200)
    expect(
      await withTenant(t.db.owner, tenant.id, (trx) => trx('amr_intervals').count('* as n').first()),
    ).toEqual({
      n: String((48 + 24) * 4),
    })

    // Complete until the first hole: 10:00 Moscow time on the day.
    const page = await kept.get(`/services/readings/meters/${meterId}?profileDay=${DAY}`)
    expect(page.text).toContain('AMR data complete until 20 Nov 2026, 10:00')
    expect(page.text).toMatch(/data-period="09:00"[^]*?<td[^>]*>[\d.,]+<\/td>/)
    expect(page.text).toMatch(/data-period="10:00"[^]*?<td[^>]*>—<\/td>/)
    const csv = await kept.raw
      .get(`/services/readings/meters/${meterId}/intervals.csv?day=${DAY}`)
      .set('Host', tenant.host)
    const lines: string[][] = parse(csv.text.replace(/^\uFEFF/, ''), { delimiter: ',' })
    expect(lines.filter((l) => l[1] === 'A+' && l[2] === '10:00')).toEqual([
      [code, 'A+', '10:00', '2026-11-20T07:00:00.000Z', '60', '', '1'],
    ])
    const bad = await kept.get(`/services/readings/meters/${meterId}?profileDay=2026-02-30`)
    expect(bad.status).toBe(422)
    expect(bad.text).toContain('href="#profileDay"')
  })
})
