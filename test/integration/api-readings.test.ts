import sharp from 'sharp'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { conformsToDocument } from '../helpers/openapi.ts'
import { readingsEnv } from '../helpers/readings.ts'

type Problem = { code: string; errors?: { pointer: string; detail: string }[] }

/**
 * Issue 22 item 5: meters, readings and AMR interval data through the API, by the pages'
 * rules (the test clock's today is 21 Nov 2026 in Warsaw). Each test has meters of its own.
 */
describe('public API: meters and readings', () => {
  let env: Awaited<ReturnType<typeof readingsEnv>>
  let document: Record<string, unknown>
  let reader: string
  let writer: string
  let schedules: string

  const token = async (scopes: string[]) => {
    await env.customer.get('/account/api-tokens')
    const res = await env.customer.post('/account/api-tokens', {
      name: scopes.join(' '),
      scopes,
      expiresOn: '2027-06-30',
    })
    return /data-testid="api-token">([^<]+)</.exec(res.text)![1]!
  }
  const get = (path: string, bearer = reader) =>
    request(env.t.app).get(path).set('Host', env.tenant.host).set('Authorization', `Bearer ${bearer}`)
  const post = (path: string, body: object, bearer = writer, key?: string) => {
    const req = request(env.t.app)
      .post(path)
      .set('Host', env.tenant.host)
      .set('Authorization', `Bearer ${bearer}`)
    return (key ? req.set('Idempotency-Key', key) : req).send(body)
  }
  const documented = (method: string, path: string, res: request.Response) =>
    conformsToDocument(document, { method, path }, res)
  const pointers = (res: request.Response) => (res.body as Problem).errors?.map((e) => e.pointer)

  beforeAll(async () => {
    env = await readingsEnv()
    reader = await token(['readings:read'])
    writer = await token(['readings:read', 'readings:write'])
    schedules = await token(['schedules:read'])
    document = (await request(env.t.app).get('/api/v1/openapi.json').set('Host', env.tenant.host))
      .body as Record<string, unknown>
  })
  afterAll(() => env.close())

  it("lists the account's meters and a meter's readings a page at a time, as the page stored them", async () => {
    const id = await env.addMeter('API-1', { tariff: 'T2', decimals: '1' })
    for (const [day, d, n] of [
      ['2026-08-20', '100', '50'],
      ['2026-09-20', '150.5', '70'],
      ['2026-10-20', '210', '95,5'],
    ])
      expect((await env.enter(id, { day: day!, 'zone-day': d!, 'zone-night': n! })).status).toBe(303)

    const list = await get('/api/v1/meters')
    expect(list.status).toBe(200)
    expect(documented('GET', '/v1/meters', list)).toEqual([])
    const meter = (list.body as { data: { id: string }[] }).data.find((m) => m.id === id)
    expect(meter).toMatchObject({
      number: 'API-1',
      tariff: 'T2',
      zones: ['day', 'night'],
      digits: 6,
      decimals: 1,
      amr: false,
      completeUntil: null,
      latest: { day: '2026-10-20', status: 'accepted', values: { day: '210', night: '95.5' } },
    })

    const first = await get(`/api/v1/meters/${id}/readings?limit=2`)
    expect(first.status).toBe(200)
    expect(documented('GET', '/v1/meters/{id}/readings', first)).toEqual([])
    const page1 = first.body as { data: { day: string; consumption: unknown }[]; next: string }
    expect(page1.data.map((r) => [r.day, r.consumption])).toEqual([
      ['2026-10-20', { day: '59.5', night: '25.5' }],
      ['2026-09-20', { day: '50.5', night: '20' }],
    ])
    const second = (await get(page1.next)).body as {
      data: { day: string; consumption: unknown }[]
      next: null
    }
    expect(second.data.map((r) => [r.day, r.consumption])).toEqual([['2026-08-20', null]])
    expect(second.next).toBeNull()

    expect((await get(`/api/v1/meters/${id}/readings?cursor=bm9wZQ`)).status).toBe(422)
    expect(pointers(await get(`/api/v1/meters/${id}/readings?limit=500`))).toEqual(['/query/limit'])
    // Another scope, another account's meter, a meter that is no id: refused or not found.
    expect(((await get('/api/v1/meters', schedules)).body as Problem).code).toBe('scope')
    expect(
      (await post(`/api/v1/meters/${id}/readings`, { day: '2026-11-20', values: {} }, reader)).status,
    ).toBe(403)
    expect((await get('/api/v1/meters/not-a-meter/readings')).status).toBe(404)
  })

  it("enters a reading by the page's rules, each refusal at its JSON pointer, and the reviewed way out with a photo", async () => {
    const id = await env.addMeter('API-2', { digits: '5' })
    const path = `/api/v1/meters/${id}/readings`
    for (const [day, value] of [
      ['2026-08-20', '1000'],
      ['2026-09-20', '1100'],
    ])
      expect((await env.enter(id, { day: day!, 'zone-total': value! })).status).toBe(303)

    const cases: [object, string[]][] = [
      [{ day: '2026-11-22', values: { total: '1200' } }, ['/body/day']],
      [{ day: '2026-11-31', values: { total: '1200' } }, ['/body/day']],
      [{ day: '2026-11-20', values: { total: '12,5.1' } }, ['/body/values/total']],
      [{ day: '2026-11-20', values: { peak: '1200' } }, ['/body/values/peak']],
      [{ day: '2026-11-20', values: { total: 1200 } }, ['/body/values/total']],
      [{ day: '2026-11-20', values: { total: '9000' } }, ['/body/confirmJump']],
      [{ day: '2026-11-20', values: { total: '900' } }, ['/body/values/total']],
      [
        {
          day: '2026-11-20',
          values: { total: '900' },
          review: { reason: 'replaced', photo: 'JVBERi0xLjQ=' },
        },
        ['/body/review/photo'],
      ],
      [
        { day: '2026-11-20', values: { total: '900' }, review: { reason: 'broken', photo: 'AA==' } },
        ['/body/review/reason'],
      ],
    ]
    for (const [body, expected] of cases) {
      const res = await post(path, body)
      expect(res.status, JSON.stringify(body)).toBe(422)
      expect(documented('POST', '/v1/meters/{id}/readings', res)).toEqual([])
      expect(pointers(res), JSON.stringify(body)).toEqual(expected)
    }
    const lower = await post(path, { day: '2026-11-20', values: { total: '900' } })
    expect((lower.body as Problem).errors![0]!.detail).toContain(
      'This is lower than the last accepted reading of 20 September 2026 (1,100).',
    )
    expect(await env.readingsOf(id)).toHaveLength(2)

    // A jump confirmed is taken and marked; sent twice with one key, it is entered once.
    const jump = { day: '2026-10-20', values: { total: '9000' }, confirmJump: true }
    const entered = await post(path, jump, writer, 'jump-1')
    expect(entered.status, entered.text).toBe(201)
    expect(documented('POST', '/v1/meters/{id}/readings', entered)).toEqual([])
    expect(entered.body).toMatchObject({ status: 'accepted' })
    const again = await post(path, jump, writer, 'jump-1')
    expect(again.status).toBe(201)
    expect(again.body).toEqual(entered.body)
    expect((await env.readingsOf(id)).map((r) => [r.read_on, r.status, r.jump_confirmed, r.values])).toEqual([
      ['2026-08-20', 'accepted', false, { total: '1000' }],
      ['2026-09-20', 'accepted', false, { total: '1100' }],
      ['2026-10-20', 'accepted', true, { total: '9000' }],
    ])

    // Lower than the last, with a reason and a phone photo: waits for staff, the photo kept without EXIF.
    // Noise does not compress: well over the 512 kB other API bodies may have, once in base64.
    const noise = Buffer.from(Array.from({ length: 900 * 700 * 3 }, (_, i) => (i * 7919) % 251))
    const photo = await sharp(noise, { raw: { width: 900, height: 700, channels: 3 } })
      .jpeg({ quality: 100 })
      .withExif({ IFD0: { Make: 'PhoneMaker' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '54/1 21/1 0/1' } })
      .toBuffer()
    expect(photo.toString('base64').length).toBeGreaterThan(1024 * 1024)
    const review = await post(path, {
      day: '2026-11-20',
      values: { total: '950' },
      review: { reason: 'replaced', note: 'New meter', photo: photo.toString('base64') },
    })
    expect(review.status, review.text).toBe(201)
    expect(review.body).toMatchObject({ status: 'review' })
    const kept = await withTenant(env.t.db.owner, env.tenant.id, (trx) =>
      trx('attachments as a')
        .join('files as f', 'f.id', 'a.file_id')
        .where({ 'a.owner_type': 'meter-reading', 'a.owner_id': (review.body as { id: string }).id })
        .select<{ media_type: string; storage_key: string }[]>('f.media_type', 'f.storage_key'),
    )
    expect(kept.map((f) => f.media_type)).toEqual(['image/jpeg'])
    const chunks: Buffer[] = []
    for await (const chunk of env.t.deps.files.read(kept[0]!.storage_key)) chunks.push(chunk as Buffer)
    const metadata = await sharp(Buffer.concat(chunks)).metadata()
    expect([metadata.width, metadata.exif]).toEqual([900, undefined])
    const waiting = await env.admin.get('/admin/readings/review')
    expect(waiting.text).toContain('API-2')
  })

  it("gives an AMR meter's data over a period by interval, hour, day or month in the tenant's days, with how far it is complete", async () => {
    const id = await env.addMeter('API-3', { amrCode: '770000000000301' })
    const plain = await env.addMeter('API-4')
    // 24–26 October in Warsaw at 15 minutes, 0.250 kWh each (the 25th has 25 hours);
    // one period of the 26th came without a value.
    await withTenant(env.t.db.owner, env.tenant.id, async (trx) => {
      await trx.raw(
        `INSERT INTO amr_intervals (tenant_id, point_code, channel, starts_at, minutes, value)
         SELECT ?, '770000000000301', '01', g, 15, 0.250
         FROM generate_series('2026-10-23T22:00Z'::timestamptz, '2026-10-26T22:45Z', interval '15 minutes') g`,
        [env.tenant.id],
      )
      await trx('amr_intervals')
        .where({ point_code: '770000000000301', starts_at: new Date('2026-10-26T10:00Z') })
        .update({ value: null })
    })
    const intervals = (query: string) => get(`/api/v1/meters/${id}/intervals?${query}`)

    const days = await intervals('period_from=2026-10-24&period_to=2026-10-27&group_by=day')
    expect(days.status, days.text).toBe(200)
    expect(documented('GET', '/v1/meters/{id}/intervals', days)).toEqual([])
    expect(days.body).toMatchObject({
      from: '2026-10-23T22:00:00.000Z',
      to: '2026-10-26T23:00:00.000Z',
      completeUntil: '2026-10-26T10:00:00.000Z',
    })
    expect((days.body as { data: unknown[] }).data).toEqual([
      {
        start: '2026-10-23T22:00:00.000Z',
        end: '2026-10-24T22:00:00.000Z',
        local: '2026-10-24T00:00:00+02:00',
        value: '24.000',
        periods: 96,
        missing: 0,
      },
      {
        start: '2026-10-24T22:00:00.000Z',
        end: '2026-10-25T23:00:00.000Z',
        local: '2026-10-25T00:00:00+02:00',
        value: '25.000',
        periods: 100,
        missing: 0,
      },
      {
        start: '2026-10-25T23:00:00.000Z',
        end: '2026-10-26T23:00:00.000Z',
        local: '2026-10-26T00:00:00+01:00',
        value: '23.750',
        periods: 96,
        missing: 1,
      },
    ])

    const hours = (await intervals('period_from=2026-10-25&period_to=2026-10-26&group_by=hour')).body as {
      data: { local: string; value: string; periods: number }[]
    }
    expect(hours.data).toHaveLength(25)
    expect(hours.data.slice(2, 4).map((h) => [h.local, h.value, h.periods])).toEqual([
      ['2026-10-25T02:00:00+02:00', '1.000', 4],
      ['2026-10-25T02:00:00+01:00', '1.000', 4],
    ])
    const raw = (await intervals('period_from=2026-10-26T10:00:00Z&period_to=2026-10-26T10:30:00Z')).body as {
      data: unknown[]
    }
    expect(raw.data).toEqual([
      {
        start: '2026-10-26T10:00:00.000Z',
        end: '2026-10-26T10:15:00.000Z',
        local: '2026-10-26T11:00:00+01:00',
        value: null,
        periods: 1,
        missing: 1,
      },
      {
        start: '2026-10-26T10:15:00.000Z',
        end: '2026-10-26T10:30:00.000Z',
        local: '2026-10-26T11:15:00+01:00',
        value: '0.250',
        periods: 1,
        missing: 0,
      },
    ])
    const months = (await intervals('period_from=2026-10-01&period_to=2026-12-01&group_by=month')).body as {
      data: unknown[]
    }
    expect(months.data).toEqual([
      {
        start: '2026-09-30T22:00:00.000Z',
        end: '2026-10-31T23:00:00.000Z',
        local: '2026-10-01T00:00:00+02:00',
        value: '72.750',
        periods: 292,
        missing: 1,
      },
    ])
    const meters = (await get('/api/v1/meters')).body as { data: { id: string; completeUntil: string }[] }
    expect(meters.data.find((m) => m.id === id)?.completeUntil).toBe('2026-10-26T10:00:00.000Z')

    for (const [query, pointer] of [
      ['period_from=yesterday&period_to=2026-10-26', '/query/period_from'],
      ['period_from=2026-10-24&period_to=2026-02-30', '/query/period_to'],
      ['period_from=2026-10-24&period_to=2026-12-24', '/query/period_to'],
      ['period_from=2026-10-24&period_to=2026-10-23&group_by=day', '/query/period_to'],
      ['period_from=2026-10-24&period_to=2026-10-25&group_by=week', '/query/group_by'],
      ['period_from=2026-10-24&period_to=2026-10-25&channel=09', '/query/channel'],
    ]) {
      const res = await intervals(query!)
      expect(res.status, query).toBe(422)
      expect(pointers(res), query).toEqual([pointer])
    }
    // A meter read by hand has no interval data.
    expect(
      (await get(`/api/v1/meters/${plain}/intervals?period_from=2026-10-24&period_to=2026-10-25`)).status,
    ).toBe(404)
  })
})
