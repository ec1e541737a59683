import { parse } from 'csv-parse/sync'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { multipart } from '../helpers/applications.ts'
import { readingsEnv } from '../helpers/readings.ts'

/**
 * Issue 19 items 1 and 7 over HTTP: staff's meters (one by one, from a CSV with a preview,
 * exchanges), customers' requests for meters, and staff's readings of a period. Each test
 * has meters of its own.
 */
describe('readings: meters', () => {
  let env: Awaited<ReturnType<typeof readingsEnv>>
  beforeAll(async () => {
    env = await readingsEnv()
  })
  afterAll(() => env.close())
  // Each test takes from the shared tenant what it uses.
  const use = () => env

  it('lets staff add meters, each field checked beside itself, numbers unique', async () => {
    const { admin, customer, meterForm, addMeter } = use()
    await admin.get('/admin/readings/meters')
    const bad = await admin.post(
      '/admin/readings/meters',
      meterForm('', {
        customerEmail: 'nobody',
        tariff: 'X9',
        digits: '13',
        decimals: '5',
        multiplier: '0',
        installedOn: '2026-02-30',
      }),
    )
    expect(bad.status).toBe(422)
    for (const message of [
      'Enter the email address of a customer of this portal',
      'Enter the meter number: letters, digits, dots, slashes or dashes, up to 40',
      'Choose a tariff',
      'Enter a whole number from 1 to 12',
      'Enter a whole number from 0 to 4',
      'Enter a multiplier above 0, for example 1 or 40',
      'Enter a real date, for example 2026-11-20',
    ])
      expect(bad.text).toContain(message)
    const unknown = await admin.post(
      '/admin/readings/meters',
      meterForm('A-1', { customerEmail: 'stranger@example.com' }),
    )
    expect(unknown.status).toBe(422)
    expect(unknown.text).toContain('Enter the email address of a customer of this portal')

    const id = await addMeter('A-1', { tariff: 'T3', digits: '6', decimals: '1' })
    const again = await admin.post('/admin/readings/meters', meterForm('A-1'))
    expect(again.status).toBe(422)
    expect(again.text).toContain('Another meter has this number')
    const list = await customer.get('/services/readings')
    expect(list.text).toContain(`href="/services/readings/meters/${id}"`)
    expect(list.text).toContain('Tariff T3, zones: 3')
    expect(list.text).toContain('No reading yet')
  })

  it('exchanges a meter: the old one closes the day before, history spans both, and a read meter keeps its register', async () => {
    const { t, tenant, admin, customer, meterForm, addMeter, enter } = use()
    const old = await addMeter('F-OLD')
    expect((await enter(old, { day: '2026-10-01', 'zone-total': '4000' })).status).toBe(303)
    const fixed = await admin.post(`/admin/readings/meters/${old}`, meterForm('F-OLD', { digits: '7' }))
    expect(fixed.status).toBe(422)
    expect(fixed.text).toContain('This meter has readings: its tariff and register cannot change.')
    const fresh = await addMeter('F-NEW', { installedOn: '2026-11-01', replaces: 'F-OLD' })
    const closed = await withTenant(t.db.owner, tenant.id, (trx) =>
      trx('meters').where({ id: old }).first('removed_on'),
    )
    expect(closed).toEqual({ removed_on: '2026-10-31' })
    expect((await enter(fresh, { day: '2026-11-20', 'zone-total': '12' })).status).toBe(303)
    const history = await customer.get(`/services/readings/meters/${fresh}`)
    expect(history.text).toContain('meter F-OLD (replaced)')
    expect(history.text).toMatch(/data-day="2026-10-01"[^]*?data-zone="total">4,000</)
    const oldPage = await customer.get(`/services/readings/meters/${old}`)
    expect(oldPage.text).toContain('This meter has been removed: it takes no more readings.')
    const late = await enter(old, { day: '2026-11-05', 'zone-total': '4100' })
    expect(late.status).toBe(422)
    expect(late.text).toContain('The date cannot be after the meter was removed on 31 October 2026')
  })

  it('shows staff the meters of a period with their reading, or only those missing one, as a page and as CSV', async () => {
    const { tenant, admin, addMeter, enter } = use()
    const read = await addMeter('G-READ', { installedOn: '2026-03-01' })
    await addMeter('G-MISSING', { installedOn: '2026-03-01' })
    // Removed before the period: not in service, so not missing anything.
    await addMeter('G-GONE', { installedOn: '2026-03-01', removedOn: '2026-10-15' })
    expect((await enter(read, { day: '2026-11-05', 'zone-total': '77' })).status).toBe(303)

    const all = await admin.get('/admin/readings?from=2026-11-01&to=2026-11-21')
    expect(all.status).toBe(200)
    expect(all.text).toMatch(/data-meter="G-READ"[^]*?5 November 2026[^]*?Total: 77/)
    expect(all.text).toMatch(/data-meter="G-MISSING"[^]*?No reading/)
    expect(all.text).not.toContain('data-meter="G-GONE"')
    const missing = await admin.get('/admin/readings?from=2026-11-01&to=2026-11-21&missing=yes')
    expect(missing.text).toContain('data-meter="G-MISSING"')
    expect(missing.text).not.toContain('data-meter="G-READ"')

    const csv = await admin.raw
      .get('/admin/readings/period.csv?from=2026-11-01&to=2026-11-21')
      .set('Host', tenant.host)
    expect(csv.status).toBe(200)
    const rows: string[][] = parse(csv.text.replace(/^\uFEFF/, ''), { delimiter: ',' })
    expect(rows[0]).toEqual(['Meter number', 'Object', 'Tariff', 'Customer', 'Reading of the period'])
    expect(rows.filter((r) => r[0]!.startsWith('G-'))).toEqual([
      ['G-MISSING', 'Polna 1, Gdańsk', 'T1', 'meter@example.com', ''],
      ['G-READ', 'Polna 1, Gdańsk', 'T1', 'meter@example.com', '2026-11-05'],
    ])

    const badDay = await admin.get('/admin/readings?from=2026-02-30&to=2026-11-21')
    expect(badDay.status).toBe(422)
    expect(badDay.text).toContain('href="#from"')
    const backwards = await admin.get('/admin/readings?from=2026-11-21&to=2026-11-01')
    expect(backwards.status).toBe(422)
    expect(backwards.text).toContain('The end of the period cannot be before its start')
    expect((await admin.raw.get('/admin/readings/period.csv?from=x').set('Host', tenant.host)).status).toBe(
      422,
    )
  })

  it('lets a customer ask for a meter with a photo, which staff confirm with its register or decline, emailing either way', async () => {
    const { smtp, t, tenant, admin, customer } = use()
    const photo = await sharp({ create: { width: 30, height: 20, channels: 3, background: '#808080' } })
      .png()
      .toBuffer()
    const ask = async (fields: Record<string, string>, file?: Buffer) => {
      await customer.get('/services/readings/meters/new')
      let req = multipart(customer, '/services/readings/meters/new')
      for (const [name, value] of Object.entries(fields)) req = req.field(name, value)
      if (file) req = req.attach('photo', file, { filename: 'plate.png' })
      return req
    }
    const noPhoto = await ask({ number: 'H-1', object: 'Garaż', tariff: 'T2' })
    expect(noPhoto.status).toBe(422)
    expect(noPhoto.text).toContain('href="#photo"')
    const badTariff = await ask({ number: 'H-1', object: 'Garaż', tariff: 'X' }, photo)
    expect(badTariff.status).toBe(422)
    expect(badTariff.text).toContain('Choose a tariff')
    expect((await ask({ number: 'H-1', object: 'Garaż', tariff: 'T2' }, photo)).status).toBe(303)
    const twice = await ask({ number: 'H-1', object: 'Garaż', tariff: 'T2' }, photo)
    expect(twice.status).toBe(422)
    expect(twice.text).toContain('You have already asked for this meter: it waits for confirmation.')
    expect((await customer.get('/services/readings')).text).toMatch(
      /data-testid="requests"[^]*?H-1[^]*?Waiting for confirmation/,
    )

    const queue = await admin.get('/admin/readings/requests')
    const id = new RegExp('data-request="([^"]+)"[^]*?H-1').exec(queue.text)![1]!
    const bad = await admin.post(`/admin/readings/requests/${id}`, {
      action: 'confirm',
      digits: '0',
      decimals: '1',
      multiplier: '1',
      installedOn: '2026-11-01',
      amrCode: '',
    })
    expect(bad.status).toBe(422)
    expect(bad.text).toContain(`href="#digits-${id}"`)
    const ok = await admin.post(`/admin/readings/requests/${id}`, {
      action: 'confirm',
      digits: '6',
      decimals: '1',
      multiplier: '1',
      installedOn: '2026-11-01',
      amrCode: '',
    })
    expect(ok.status).toBe(303)
    const meter = await withTenant(t.db.owner, tenant.id, (trx) =>
      trx('meters').where({ number: 'H-1' }).first('tariff', 'zones', 'digits', 'object'),
    )
    expect(meter).toEqual({ tariff: 'T2', zones: ['day', 'night'], digits: 6, object: 'Garaż' })
    const mail = await smtp.waitFor(
      (m) => m.envelopeTo.includes('meter@example.com') && (m.subject ?? '').includes('meter H-1 added'),
    )
    expect(mail.text).toContain('You can now enter its readings.')
    const known = await ask({ number: 'H-1', object: 'Garaż', tariff: 'T2' }, photo)
    expect(known.status).toBe(422)
    expect(known.text).toContain('This meter is already registered.')

    expect((await ask({ number: 'H-2', object: 'Szopa', tariff: 'T1' }, photo)).status).toBe(303)
    const second = new RegExp('data-request="([^"]+)"[^]*?H-2').exec(
      (await admin.get('/admin/readings/requests')).text,
    )![1]!
    const noNote = await admin.post(`/admin/readings/requests/${second}`, { action: 'decline', note: '' })
    expect(noNote.status).toBe(422)
    expect(
      (await admin.post(`/admin/readings/requests/${second}`, { action: 'decline', note: 'Not on our grid' }))
        .status,
    ).toBe(303)
    await smtp.waitFor(
      (m) => m.envelopeTo.includes('meter@example.com') && (m.subject ?? '').includes('meter H-2 not added'),
    )
    expect((await customer.get('/services/readings')).text).toMatch(/H-2[^]*?Declined[^]*?Not on our grid/)
  })

  it('adds meters from staff’s CSV after a preview that names each problem by line, all of them or none', async () => {
    const { t, tenant, admin } = use()
    const upload = async (text: string) => {
      await admin.get('/admin/readings/meters/import')
      const res = await multipart(admin, '/admin/readings/meters/import').attach('file', Buffer.from(text), {
        filename: 'meters.csv',
      })
      expect(res.status, res.text).toBe(303)
      return res.headers.location!
    }
    const header = 'customer_email;number;object;tariff;digits;decimals;multiplier;installed_on;amr_code'
    const badPath = await upload(
      [
        header,
        'meter@example.com;L-1;Polna 1;T1;6;0;1;2026-01-01;',
        'nobody@example.com;L-2;Polna 2;T1;6;0;1;2026-01-01;',
        'meter@example.com;L-1;Polna 3;T9;13;0;1;2026-02-30;',
      ].join('\n'),
    )
    const bad = await admin.get(badPath)
    expect(bad.text).toContain(
      'Line 3 (customer_email): Enter the email address of a customer of this portal',
    )
    expect(bad.text).toContain('Line 4 (tariff): Choose a tariff')
    expect(bad.text).toContain('Line 4 (digits): Enter a whole number from 1 to 12')
    expect(bad.text).toContain('Line 4 (installed_on): Enter a real date, for example 2026-11-20')
    expect(bad.text).not.toContain('id="apply"')
    expect((await admin.post(badPath)).status).toBe(409)

    const good = await upload(
      [
        header,
        'meter@example.com;L-10;Polna 10;T2;6;1;1;2026-01-01;',
        'meter@example.com;L-11;Polna 11;T1;5;0;40;2026-02-01;AMR-11',
      ].join('\n'),
    )
    const preview = await admin.get(good)
    expect(preview.text).toContain('2 meters checked')
    const added = await admin.post(good)
    expect(added.status).toBe(303)
    const meters = await withTenant(t.db.owner, tenant.id, (trx) =>
      trx('meters')
        .whereIn('number', ['L-10', 'L-11'])
        .orderBy('number')
        .select('number', 'tariff', 'multiplier', 'amr_code'),
    )
    expect(meters).toEqual([
      { number: 'L-10', tariff: 'T2', multiplier: '1.0000', amr_code: null },
      { number: 'L-11', tariff: 'T1', multiplier: '40.0000', amr_code: 'AMR-11' },
    ])
    // Applied once: again is a conflict; a file naming them again is refused at its preview.
    expect((await admin.post(good)).status).toBe(409)
    const again = await admin.get(
      await upload([header, 'meter@example.com;L-10;Polna 10;T2;6;1;1;2026-01-01;'].join('\n')),
    )
    expect(again.text).toContain('Line 2 (number): Another meter has this number')
  })
})
