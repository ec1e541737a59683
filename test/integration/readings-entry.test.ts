import { parse } from 'csv-parse/sync'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { registerConfirmed, signedIn } from '../helpers/accounts.ts'
import { createTenant } from '../helpers/factories.ts'
import { createOperator, operatorSignIn } from '../helpers/operators.ts'
import { READINGS_PASSWORD as PASSWORD, readingsEnv } from '../helpers/readings.ts'

/**
 * Issue 19 items 3–6 over HTTP (the test clock's today is 21 Nov 2026 in Warsaw): the
 * customer's readings and every rule's message, the reviewed way out with a photo,
 * rollover and confirmed jumps, windows and AMR closure, history, chart and CSV, staff's
 * entries and estimates. Each test has meters of its own.
 */
describe('readings: manual readings', () => {
  let env: Awaited<ReturnType<typeof readingsEnv>>
  beforeAll(async () => {
    env = await readingsEnv()
  })
  afterAll(() => env.close())
  // Each test takes from the shared tenant what it uses.
  const use = () => env

  it('takes a three-zone reading only when every rule holds, each refusal beside its field, and keeps a superseded one', async () => {
    const { customer, addMeter, enter, readingsOf } = use()
    const id = await addMeter('B-3', { tariff: 'T3', digits: '6', decimals: '1' })
    const zones = (peak: string, semipeak: string, night: string) => ({
      'zone-peak': peak,
      'zone-semipeak': semipeak,
      'zone-night': night,
    })
    const cases: [Record<string, string>, string, string][] = [
      [{ day: '2026-10-20', ...zones('', '', '') }, 'zone-peak', 'Enter what the meter shows'],
      [
        { day: '2026-10-20', ...zones('100', '', '300') },
        'zone-semipeak',
        'Enter this zone too: a reading has every zone of the meter or none',
      ],
      [
        { day: '2026-10-20', ...zones('1234567', '1', '1') },
        'zone-peak',
        'The meter has 6 digits before the decimal point: check the value',
      ],
      [
        { day: '2026-10-20', ...zones('1', '1.25', '1') },
        'zone-semipeak',
        'Enter at most 1 digits after the decimal point',
      ],
      [
        { day: '2026-10-20', ...zones('1', '1', '-4') },
        'zone-night',
        'Enter digits only, with a decimal point or comma, for example 12345.6',
      ],
      [{ day: '2026-02-30', ...zones('1', '1', '1') }, 'day', 'Enter a real date, for example 2026-11-20'],
      [{ day: '2026-11-22', ...zones('1', '1', '1') }, 'day', 'The date cannot be in the future'],
      [
        { day: '2025-12-31', ...zones('1', '1', '1') },
        'day',
        'The date cannot be before the meter was installed on 1 January 2026',
      ],
    ]
    for (const [form, field, message] of cases) {
      const res = await enter(id, form)
      expect(res.status, `${field}: ${message}`).toBe(422)
      expect(res.text).toContain(`href="#${field}">${message}`)
      expect(res.text).toMatch(
        new RegExp(`id="${field}-error"[^]*?${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
      )
    }
    expect(await readingsOf(id)).toEqual([])

    expect((await enter(id, { day: '2026-10-20', ...zones('100.5', '200', '300,2') })).status).toBe(303)
    const saved = await customer.get(`/services/readings/meters/${id}`)
    expect(saved.text).toContain('The reading is saved.')
    expect((await enter(id, { day: '2026-11-20', ...zones('150.5', '260', '340.2') })).status).toBe(303)
    const early = await enter(id, { day: '2026-11-01', ...zones('150.5', '260', '340.2') })
    expect(early.status).toBe(422)
    expect(early.text).toContain('The date cannot be before the last reading, of 20 November 2026')
    // The same day again: the later entry stands, the earlier stays in history.
    expect((await enter(id, { day: '2026-11-20', ...zones('151', '261', '341') })).status).toBe(303)
    expect(await readingsOf(id)).toEqual([
      {
        read_on: '2026-10-20',
        status: 'accepted',
        source: 'customer',
        rollover: false,
        jump_confirmed: false,
        values: { peak: '100.5', semipeak: '200', night: '300.2' },
      },
      {
        read_on: '2026-11-20',
        status: 'superseded',
        source: 'customer',
        rollover: false,
        jump_confirmed: false,
        values: { peak: '150.5', semipeak: '260', night: '340.2' },
      },
      {
        read_on: '2026-11-20',
        status: 'accepted',
        source: 'customer',
        rollover: false,
        jump_confirmed: false,
        values: { peak: '151', semipeak: '261', night: '341' },
      },
    ])
    const page = await customer.get(`/services/readings/meters/${id}`)
    expect(page.text).toContain('Replaced by a later entry')
    const list = await customer.get('/services/readings')
    expect(list.text).toMatch(/data-zone="night">Night: 341</)
  })

  it('refuses a lower value unless the customer says why with a photo; it then waits for staff, who accept it and tell them', async () => {
    const { smtp, tenant, admin, customer, addMeter, enter, readingsOf } = use()
    const id = await addMeter('C-1')
    expect((await enter(id, { day: '2026-09-20', 'zone-total': '1000' })).status).toBe(303)
    expect((await enter(id, { day: '2026-10-20', 'zone-total': '1100' })).status).toBe(303)
    const lower = await enter(id, { day: '2026-11-20', 'zone-total': '900' })
    expect(lower.status).toBe(422)
    expect(lower.text).toContain('This is lower than the last accepted reading of 20 October 2026 (1,100).')
    expect(lower.text).toContain('data-testid="way-out"')
    const noPhoto = await enter(id, { day: '2026-11-20', 'zone-total': '900', reason: 'replaced' })
    expect(noPhoto.status).toBe(422)
    expect(noPhoto.text).toContain('href="#photo">Attach a photo of the meter&#39;s display')
    const notImage = await enter(
      id,
      { day: '2026-11-20', 'zone-total': '900', reason: 'replaced' },
      Buffer.from('%PDF-1.4 not a photo'),
    )
    expect(notImage.status).toBe(422)
    expect(await readingsOf(id)).toHaveLength(2)

    // A phone photo with its position in EXIF: the portal keeps the picture, not the position.
    const photo = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#336699' } })
      .jpeg()
      .withExif({
        IFD0: { Make: 'PhoneMaker', Model: 'X1' },
        IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '54/1 21/1 0/1' },
      })
      .toBuffer()
    expect((await sharp(photo).metadata()).exif).toBeDefined()
    const sent = await enter(
      id,
      { day: '2026-11-20', 'zone-total': '900', reason: 'replaced', note: 'New meter since May' },
      photo,
    )
    expect(sent.status, sent.text).toBe(303)
    expect((await readingsOf(id)).at(-1)).toMatchObject({ status: 'review', values: { total: '900' } })
    const mine = await customer.get(`/services/readings/meters/${id}`)
    expect(mine.text).toContain('waits for staff&#39;s review')
    expect(mine.text).toContain('Awaiting review')
    const link = /href="(\/services\/readings\/photos\/[^"]+)"/.exec(mine.text)![1]!
    const download = await customer.raw
      .get(link)
      .set('Host', tenant.host)
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => cb(null, Buffer.concat(chunks)))
      })
    expect(download.status).toBe(200)
    expect(download.headers['content-disposition']).toMatch(/^attachment/)
    const kept = await sharp(download.body as Buffer).metadata()
    expect(kept.format).toBe('jpeg')
    expect([kept.width, kept.height]).toEqual([40, 30])
    expect(kept.exif).toBeUndefined()
    expect((download.body as Buffer).includes(Buffer.from('PhoneMaker'))).toBe(false)

    const queue = await admin.get('/admin/readings/review')
    expect(queue.text).toContain('C-1')
    expect(queue.text).toContain('The meter was replaced: New meter since May')
    const readingId = /data-reading="([^"]+)"/.exec(queue.text)![1]!
    const noReason = await admin.post(`/admin/readings/review/${readingId}`, {
      decision: 'rejected',
      note: '',
    })
    expect(noReason.status).toBe(422)
    expect(noReason.text).toContain('Say why the reading is rejected')
    expect(
      (
        await admin.post(`/admin/readings/review/${readingId}`, {
          decision: 'accepted',
          note: 'Exchange confirmed',
        })
      ).status,
    ).toBe(303)
    expect((await readingsOf(id)).at(-1)).toMatchObject({ status: 'accepted' })
    const mail = await smtp.waitFor(
      (m) =>
        m.envelopeTo.includes('meter@example.com') &&
        (m.subject ?? '').includes('reading of meter C-1 accepted'),
    )
    expect(mail.text).toContain('We checked and accepted the reading of meter C-1 of 20 November 2026.')
    expect(mail.text).toContain('Exchange confirmed')
    expect(
      (await admin.post(`/admin/readings/review/${readingId}`, { decision: 'rejected', note: 'Too late' }))
        .status,
    ).toBe(409)
  })

  it('takes a wrapped register as a rollover when plausible, and asks to confirm a jump, which is then marked', async () => {
    const { customer, addMeter, enter, readingsOf } = use()
    const id = await addMeter('D-5', { digits: '5' })
    for (const [day, value] of [
      ['2026-08-20', '99900'],
      ['2026-09-20', '99950'],
      ['2026-10-20', '00010'],
    ])
      expect((await enter(id, { day: day!, 'zone-total': value! })).status).toBe(303)
    const jump = await enter(id, { day: '2026-11-20', 'zone-total': '5000' })
    expect(jump.status).toBe(422)
    expect(jump.text).toContain(
      'This is more than 3 times the meter&#39;s usual consumption. Check the value and confirm it',
    )
    expect(jump.text).toContain('name="confirmJump"')
    expect((await enter(id, { day: '2026-11-20', 'zone-total': '5000', confirmJump: 'yes' })).status).toBe(
      303,
    )
    expect((await readingsOf(id)).map((r) => [r.read_on, r.rollover, r.jump_confirmed])).toEqual([
      ['2026-08-20', false, false],
      ['2026-09-20', false, false],
      ['2026-10-20', true, false],
      ['2026-11-20', false, true],
    ])
    const page = await customer.get(`/services/readings/meters/${id}`)
    expect(page.text).toContain('The register went round past zero')
    expect(page.text).toContain('Unusually high, confirmed by the customer')
    // 99 950 → 10 is 60 kWh the way round; 10 → 5 000 is 4 990.
    expect(page.text).toMatch(/data-day="2026-10-20"[^]*?Total: 60</)
    expect(page.text).toMatch(/data-day="2026-11-20"[^]*?Total: 4,990</)

    // With no history to judge by, a wrap of nine tenths of the register is no rollover.
    const other = await addMeter('D-6', { digits: '5' })
    expect((await enter(other, { day: '2026-10-20', 'zone-total': '50000' })).status).toBe(303)
    const back = await enter(other, { day: '2026-11-20', 'zone-total': '40000' })
    expect(back.status).toBe(422)
    expect(back.text).toContain('This is lower than the last accepted reading')
  })

  it('charts consumption per month and zone, and exports the history as CSV, both from staff entries with reasons', async () => {
    const { t, tenant, admin, customer, addMeter, staffEnters } = use()
    const id = await addMeter('E-2', { tariff: 'T2', digits: '6', decimals: '1', multiplier: '2' })
    const noReason = await staffEnters(id, { day: '2026-09-15', 'zone-day': '100', 'zone-night': '50' })
    expect(noReason.status).toBe(422)
    expect(noReason.text).toContain('Enter why you enter or correct this reading')
    for (const [day, d, n] of [
      ['2026-09-15', '100', '50'],
      ['2026-10-15', '130.5', '70'],
      ['2026-11-15', '180.5', '75.5'],
    ])
      expect(
        (
          await staffEnters(id, {
            day: day!,
            'zone-day': d!,
            'zone-night': n!,
            operatorReason: 'Read on site',
          })
        ).status,
      ).toBe(303)
    const audit = await withTenant(t.db.owner, tenant.id, (trx) =>
      trx('audit_log').where({ action: 'readings.reading-entered', target_id: id }).count('* as n').first(),
    )
    expect(audit).toEqual({ n: '3' })

    // Multiplier 2: (130.5 − 100) × 2 = 61.0 by day in October, (70 − 50) × 2 = 40 by night.
    const page = await customer.get(`/services/readings/meters/${id}`)
    const monthly = (month: string, zone: string) =>
      new RegExp(`data-month="${month}"[^]*?data-zone="${zone}">([^<]*)<`).exec(page.text)![1]
    expect([monthly('2026-09', 'day'), monthly('2026-09', 'night')]).toEqual(['—', '—'])
    expect([monthly('2026-10', 'day'), monthly('2026-10', 'night')]).toEqual(['61.0', '40'])
    expect([monthly('2026-11', 'day'), monthly('2026-11', 'night')]).toEqual(['100.0', '11.0'])
    expect(page.text).toContain('<svg class="kb-chart"')
    expect((page.text.match(/class="kb-chart__bar kb-chart__bar--/g) ?? []).length).toBe(4)

    const csv = await customer.raw
      .get(`/services/readings/meters/${id}/readings.csv`)
      .set('Host', tenant.host)
    expect(csv.status).toBe(200)
    expect(csv.headers['content-disposition']).toContain('readings-E-2.csv')
    const rows: string[][] = parse(csv.text.replace(/^\uFEFF/, ''), { delimiter: ',' })
    expect(rows).toEqual([
      ['Meter number', 'Object', 'Date', 'Zone', 'Reading', 'Consumption', 'Source', 'Status'],
      ['E-2', 'Polna 1, Gdańsk', '2026-09-15', 'Day', '100', '', 'entered by staff', 'Accepted'],
      ['E-2', 'Polna 1, Gdańsk', '2026-09-15', 'Night', '50', '', 'entered by staff', 'Accepted'],
      ['E-2', 'Polna 1, Gdańsk', '2026-10-15', 'Day', '130.5', '61.0', 'entered by staff', 'Accepted'],
      ['E-2', 'Polna 1, Gdańsk', '2026-10-15', 'Night', '70', '40', 'entered by staff', 'Accepted'],
      ['E-2', 'Polna 1, Gdańsk', '2026-11-15', 'Day', '180.5', '100.0', 'entered by staff', 'Accepted'],
      ['E-2', 'Polna 1, Gdańsk', '2026-11-15', 'Night', '75.5', '11.0', 'entered by staff', 'Accepted'],
    ])
    const pl = await customer.raw
      .get(`/services/readings/meters/${id}/readings.csv?lang=pl`)
      .set('Host', tenant.host)
    const plRows: string[][] = parse(pl.text.replace(/^\uFEFF/, ''), { delimiter: ';' })
    expect(plRows[3]).toEqual([
      'E-2',
      'Polna 1, Gdańsk',
      '2026-10-15',
      'Dzienna',
      '130,5',
      '61,0',
      'wprowadzony przez pracownika',
      'Przyjęty',
    ])
    // The language link is remembered for a signed-in customer: give the others theirs back.
    await customer.get('/services/readings?lang=en')

    const billing = await admin.raw
      .get('/admin/readings/export.csv?from=2026-10-01&to=2026-10-31')
      .set('Host', tenant.host)
    expect(billing.status).toBe(200)
    const billedRows: string[][] = parse(billing.text.replace(/^\uFEFF/, ''), { delimiter: ',' })
    const billed = billedRows.filter((r) => r[0] === 'E-2')
    expect(billed.map((r) => [r[2], r[3], r[5]])).toEqual([
      ['2026-10-15', 'Day', '61.0'],
      ['2026-10-15', 'Night', '40'],
    ])
    const badPeriod = await admin.raw
      .get('/admin/readings/export.csv?from=2026-10-31&to=2026-10-01')
      .set('Host', tenant.host)
    expect(badPeriod.status).toBe(422)
    expect(badPeriod.text).toContain('Enter a real period')
  })

  it('keeps customers to the reading window and AMR meters closed to manual entry, saying when the window opens', async () => {
    const { smtp, t, meterForm, enter } = use()
    const windowed = await createTenant(t.db.owner, {
      enabledServices: ['readings'],
      modules: { readings: { windowFrom: 1, windowTo: 10, closedOnAmr: true } },
    })
    await registerConfirmed(t, smtp, windowed.host, 'late@example.com', PASSWORD)
    const staff = (await operatorSignIn(t, windowed.host, await createOperator(t, windowed.id, 'admin')))
      .agent
    const late = await signedIn(t, windowed.host, 'late@example.com', PASSWORD)
    const add = async (number: string, amrCode = '') => {
      await staff.get('/admin/readings/meters')
      const res = await staff.post('/admin/readings/meters', {
        ...meterForm(number, { amrCode }),
        customerEmail: 'late@example.com',
      })
      expect(res.status).toBe(303)
      return res.headers.location!.split('/').at(-1)!
    }
    const manual = await add('W-1')
    const amr = await add('W-2', '131150001113003')
    const home = await late.get('/services/readings')
    expect(home.text).toContain(
      'Readings are taken on days 1–10 of each month. The window opens again on 1 December 2026.',
    )
    const refused = await enter(manual, { day: '2026-11-20', 'zone-total': '10' }, undefined, late)
    expect(refused.status).toBe(422)
    expect(refused.text).toContain(
      'Readings can be entered from the next window, which opens on 1 December 2026',
    )
    const amrPage = await late.get(`/services/readings/meters/${amr}`)
    expect(amrPage.text).toContain('This meter sends its readings through AMR')
    const amrRefused = await enter(amr, { day: '2026-11-20', 'zone-total': '10' }, undefined, late)
    expect(amrRefused.status).toBe(422)
    expect(amrRefused.text).toContain(
      'This meter&#39;s readings come through AMR and cannot be entered by hand',
    )
    // Staff are held to neither.
    await staff.get(`/admin/readings/meters/${manual}`)
    expect(
      (
        await staff.post(`/admin/readings/meters/${manual}/readings`, {
          day: '2026-11-20',
          'zone-total': '10',
          operatorReason: 'Phoned in',
        })
      ).status,
    ).toBe(303)
    // On 2 December the window is open (a new sign-in: the old session has long expired).
    t.clock.set('2026-12-02T09:00:00Z')
    try {
      const back = await signedIn(t, windowed.host, 'late@example.com', PASSWORD)
      expect((await enter(manual, { day: '2026-12-01', 'zone-total': '15' }, undefined, back)).status).toBe(
        303,
      )
    } finally {
      t.clock.set('2026-11-21T09:00:00Z')
    }
  })

  it('keeps a utility estimate apart from readings: marked as such for the customer and in the export', async () => {
    const { tenant, customer, addMeter, staffEnters, readingsOf } = use()
    const id = await addMeter('K-EST')
    expect(
      (
        await staffEnters(id, {
          day: '2026-11-10',
          'zone-total': '500',
          operatorReason: 'No access',
          estimate: 'yes',
        })
      ).status,
    ).toBe(303)
    expect((await readingsOf(id)).map((r) => r.source)).toEqual(['estimated'])
    const page = await customer.get(`/services/readings/meters/${id}`)
    expect(page.text).toMatch(/data-day="2026-11-10"[^]*?estimated by the utility/)
    expect(page.text).not.toMatch(/data-day="2026-11-10"[^]*?entered by the customer/)
    const csv = await customer.raw
      .get(`/services/readings/meters/${id}/readings.csv`)
      .set('Host', tenant.host)
    expect(csv.text).toContain('estimated by the utility')
  })
})
