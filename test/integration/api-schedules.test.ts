import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { signedIn } from '../helpers/accounts.ts'
import type { createTenant } from '../helpers/factories.ts'
import { gridForm, insertUnit, pgbTenant, postDay, solarDay } from '../helpers/generation.ts'
import { conformsToDocument } from '../helpers/openapi.ts'
import type { TestApp } from '../helpers/app.ts'

const PASSWORD = 'harmonogram przez api'
/** Open at the test clock (21 November, 09:00 UTC): the gate is the day before at 14:00. */
const THURSDAY = '2026-11-26'

/** Issue 22 item 3: a day's schedule read and sent whole through the API, by the page's rules. */
describe('public API: generation schedules', () => {
  let t: TestApp
  let tenant: Awaited<ReturnType<typeof createTenant>>
  let close: () => Promise<void>
  let document: Record<string, unknown>
  const units: Record<string, string> = {}
  let writer: string
  let reader: string

  const tokenFor = async (email: string, scopes: string[]) => {
    const agent = await signedIn(t, tenant.host, email, PASSWORD)
    await agent.get('/account/api-tokens')
    const res = await agent.post('/account/api-tokens', {
      name: scopes.join(' '),
      scopes,
      expiresOn: '2027-06-30',
    })
    return /data-testid="api-token">([^<]+)</.exec(res.text)![1]!
  }
  const call = (method: 'get' | 'put', path: string, token: string) =>
    request(t.app)[method](path).set('Host', tenant.host).set('Authorization', `Bearer ${token}`)
  const documented = (method: string, path: string, res: request.Response) =>
    conformsToDocument(document, { method, path }, res)
  const day = (unit: string, d = THURSDAY) => `/api/v1/units/${unit}/days/${d}`
  const stored = (unitId: string, d = THURSDAY) =>
    withTenant(t.db.owner, tenant.id, (trx) =>
      trx('schedule_versions as v')
        .join('schedules as s', 's.id', 'v.schedule_id')
        .where({ 's.unit_id': unitId, 's.day': d })
        .orderBy('v.version')
        .select<{ version: number; status: string; values: number[] }[]>('v.version', 'v.status', 'v.values'),
    )

  beforeAll(async () => {
    ;({ t, tenant, close } = await pgbTenant(['farma@example.com', 'sasiad@example.com'], PASSWORD))
    await withTenant(t.db.owner, tenant.id, async (trx) => {
      const id = async (email: string) => (await trx('customers').where({ email }).first('id')).id as string
      const farma = await id('farma@example.com')
      units.api = await insertUnit(trx, tenant.id, farma, { code: 'PV-API', capacity_kw: 4000 })
      units.page = await insertUnit(trx, tenant.id, farma, { code: 'PV-PAGE', capacity_kw: 4000 })
      units.theirs = await insertUnit(trx, tenant.id, await id('sasiad@example.com'), { code: 'PV-N' })
    })
    writer = await tokenFor('farma@example.com', ['schedules:read', 'schedules:write'])
    reader = await tokenFor('farma@example.com', ['schedules:read'])
    document = (await request(t.app).get('/api/v1/openapi.json').set('Host', tenant.host)).body as Record<
      string,
      unknown
    >
  })
  afterAll(() => close())

  it("lists the account's units and reads a day interval by interval, with its version as the ETag", async () => {
    const list = await call('get', '/api/v1/units', reader)
    expect(list.status).toBe(200)
    expect(documented('GET', '/v1/units', list)).toEqual([])
    const codes = (list.body as { data: { code: string; capacity: string; valueUnit: string }[] }).data
    expect(codes.map((u) => u.code)).toEqual(['PV-API', 'PV-PAGE'])
    expect(codes[0]).toMatchObject({ capacity: '4000.000', valueUnit: 'kW' })

    const res = await call('get', day(units.api!), reader)
    expect(res.status).toBe(200)
    expect(documented('GET', '/v1/units/{unit}/days/{day}', res)).toEqual([])
    expect(res.headers.etag).toBe('"v0"')
    const body = res.body as { intervals: { label: string; start: string; value: null }[]; open: boolean }
    expect(body.open).toBe(true)
    expect(body.intervals).toHaveLength(96)
    expect(body.intervals[0]).toMatchObject({
      label: '00:00',
      start: '2026-11-25T23:00:00.000Z',
      value: null,
    })

    // The autumn change in Warsaw: 25 hours, the repeated hour marked A and B.
    const autumn = (await call('get', day(units.api!, '2026-10-25'), reader)).body as {
      intervals: { label: string }[]
    }
    expect(autumn.intervals).toHaveLength(100)
    expect(autumn.intervals.filter((i) => i.label.startsWith('02:')).map((i) => i.label)).toEqual([
      '02:00 A',
      '02:15 A',
      '02:30 A',
      '02:45 A',
      '02:00 B',
      '02:15 B',
      '02:30 B',
      '02:45 B',
    ])
  })

  it('takes a whole day as a new version with the same values the page stores, and refuses a stale or missing ETag', async () => {
    const values = solarDay(96, 3500)
    const text = values.map((v) => v.toFixed(3))
    expect((await call('put', day(units.api!), writer).send({ values: text })).status).toBe(428)
    const put = await call('put', day(units.api!), writer).set('If-Match', '"v0"').send({ values: text })
    expect(put.status).toBe(200)
    expect(documented('PUT', '/v1/units/{unit}/days/{day}', put)).toEqual([])
    expect(put.body).toEqual({ version: 1, changed: true })
    expect(put.headers.etag).toBe('"v1"')

    // The page, for the other unit, the same day and values: the same versions stored.
    const farma = await signedIn(t, tenant.host, 'farma@example.com', PASSWORD)
    expect((await postDay(farma, units.page!, THURSDAY, gridForm(values, 'approve', 0))).status).toBe(303)
    const [viaApi, viaPage] = [await stored(units.api!), await stored(units.page!)]
    expect(viaApi.map((v) => [v.version, v.status])).toEqual([[1, 'submitted']])
    expect(viaApi[0]!.values.map(Number)).toEqual(viaPage[0]!.values.map(Number))
    expect(viaApi[0]!.values.map(Number)).toEqual(values)

    const same = await call('put', day(units.api!), writer).set('If-Match', '"v1"').send({ values: text })
    expect(same.body).toEqual({ version: 1, changed: false })
    const stale = await call('put', day(units.api!), writer).set('If-Match', '"v0"').send({ values: text })
    expect(stale.status).toBe(412)
    expect(documented('PUT', '/v1/units/{unit}/days/{day}', stale)).toEqual([])
    const versions = await call('get', `${day(units.api!)}/versions`, reader)
    expect(documented('GET', '/v1/units/{unit}/days/{day}/versions', versions)).toEqual([])
    const listed = (
      versions.body as {
        data: { version: number; status: string; total: string; history: { to: string }[] }[]
      }
    ).data
    expect(listed.map((v) => [v.version, v.status, v.history.map((h) => h.to)])).toEqual([
      [1, 'submitted', ['submitted']],
    ])
    // The day's sum of the values sent, in thousandths so no float is summed here.
    const thousandths = text.reduce((sum, v) => sum + Math.round(Number(v) * 1000), 0)
    expect(listed[0]!.total).toBe((thousandths / 1000).toFixed(3))
    const read = await call('get', day(units.api!), reader)
    expect(read.headers.etag).toBe('"v1"')
    expect((read.body as { intervals: { value: string }[] }).intervals[48]!.value).toBe(text[48])
  })

  it('refuses bad values beside each one, a closed day, another account’s unit and a token that may only read', async () => {
    const values = Array.from({ length: 96 }, () => '10.000')
    values[3] = '1,5'
    values[10] = '5000'
    values[20] = '1.23456'
    const bad = await call('put', day(units.page!, '2026-11-27'), writer)
      .set('If-Match', '"v0"')
      .send({ values })
    expect(bad.status).toBe(422)
    expect(documented('PUT', '/v1/units/{unit}/days/{day}', bad)).toEqual([])
    const errors = (bad.body as { errors: { pointer: string; detail: string }[] }).errors
    expect(errors.map((e) => e.pointer)).toEqual(['/body/values/3', '/body/values/10', '/body/values/20'])
    expect(errors[0]!.detail).toBe('00:45: enter a number, such as 12.5')
    expect(await stored(units.page!, '2026-11-27')).toEqual([])

    const short = await call('put', day(units.page!, '2026-11-27'), writer)
      .set('If-Match', '"v0"')
      .send({ values: values.slice(0, 95) })
    expect((short.body as { errors: { pointer: string }[] }).errors[0]!.pointer).toBe('/body/values')
    const notJson = await call('put', day(units.page!, '2026-11-27'), writer)
      .set('If-Match', '"v0"')
      .set('Content-Type', 'application/json')
      .send('{"values": [')
    expect(notJson.status).toBe(400)

    const fine = Array.from({ length: 96 }, () => '10.000')
    const closed = await call('put', day(units.page!, '2026-11-21'), writer)
      .set('If-Match', '"v0"')
      .send({ values: fine })
    expect(closed.status).toBe(409)
    expect((closed.body as { code: string }).code).toBe('closed')
    expect((await call('get', day(units.theirs!), writer)).status).toBe(404)
    expect(
      (await call('put', day(units.theirs!), writer).set('If-Match', '"v0"').send({ values: fine })).status,
    ).toBe(404)
    const readOnly = await call('put', day(units.page!, '2026-11-27'), reader)
      .set('If-Match', '"v0"')
      .send({ values: fine })
    expect(readOnly.status).toBe(403)
    expect((readOnly.body as { code: string }).code).toBe('scope')
    const notADay = await call('get', day(units.page!, '2026-02-30'), reader)
    expect(notADay.status).toBe(422)
    expect((notADay.body as { errors: { pointer: string }[] }).errors[0]!.pointer).toBe('/path/day')
  })
})
