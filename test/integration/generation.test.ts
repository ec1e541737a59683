import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { remindTenant } from '../../src/modules/generation/reminders.ts'
import { signedIn } from '../helpers/accounts.ts'
import type { TestApp } from '../helpers/app.ts'
import type { createTenant } from '../helpers/factories.ts'
import { gridForm, insertUnit, pgbTenant, postDay, solarDay } from '../helpers/generation.ts'
import type { operatorSignIn } from '../helpers/operators.ts'
import type { SmtpSink } from '../helpers/smtp.ts'

const PASSWORD = 'słoneczny poranek 12'
// The test clock starts on Saturday 21 Nov 2026, 10:00 in Warsaw; Monday's gate is Sunday 14:00.
const MONDAY = '2026-11-23'
const WEDNESDAY = '2026-11-25'
const THURSDAY = '2026-11-26'

describe('generation planning: units, the daily grid, versions, the gate and the operator', () => {
  let smtp: SmtpSink
  let t: TestApp
  let tenant: Awaited<ReturnType<typeof createTenant>>
  let admin: Awaited<ReturnType<typeof operatorSignIn>>['agent']
  const customer = () => signedIn(t, tenant.host, 'farma@example.com', PASSWORD)
  const versions = (unitId: string) =>
    withTenant(t.db.owner, tenant.id, (trx) =>
      trx('schedule_versions as v')
        .join('schedules as s', 's.id', 'v.schedule_id')
        .where('s.unit_id', unitId)
        .orderBy(['s.day', 'v.version'])
        .select<{ day: string; version: number; status: string; values: number[] }[]>(
          's.day',
          'v.version',
          'v.status',
          'v.values',
        ),
    )
  /** Each test its own 4 MW solar unit of farma's (and, where the day's totals matter, its own day). */
  const newUnit = async (code: string): Promise<string> =>
    withTenant(t.db.owner, tenant.id, async (trx) => {
      const owner = await trx('customers').where({ email: 'farma@example.com' }).first<{ id: string }>('id')
      return insertUnit(trx, tenant.id, owner.id, { code, name: `Solar ${code}`, capacity_kw: 4000 })
    })

  /** A unit's own day approved twice at 15 minutes: a solar day, then 12:30 changed to 1,234.5 kW. */
  const twoVersions = async (unitId: string, day: string) => {
    const farma = await customer()
    const values = solarDay(96, 3500)
    expect((await postDay(farma, unitId, day, gridForm(values, 'approve', 0))).status).toBe(303)
    const changed = [...values]
    changed[50] = 1234.5
    expect((await postDay(farma, unitId, day, gridForm(changed, 'approve', 1))).status).toBe(303)
    return farma
  }

  let close: () => Promise<void>
  beforeAll(async () => {
    ;({ smtp, t, tenant, admin, close } = await pgbTenant(
      ['farma@example.com', 'sasiad@example.com'],
      PASSWORD,
    ))
  })
  afterAll(() => close())

  it('lets the operator create a unit for a customer, refusing bad values beside their fields', async () => {
    await admin.get('/admin/generation/units')
    const bad = await admin.post('/admin/generation/units', {
      customerEmail: 'nobody@example.com',
      code: 'PV 1',
      name: '',
      technology: 'pv',
      capacity: '-4',
      connectionPoint: '',
      activeFrom: '2026-02-30',
      activeTo: '9999-99-99',
    })
    expect(bad.status).toBe(422)
    for (const id of ['code', 'name', 'capacity', 'activeFrom', 'activeTo'])
      expect(bad.text).toContain(`href="#${id}"`)
    expect(bad.text.match(/Enter a date/g)?.length).toBeGreaterThanOrEqual(2)
    const good = await admin.post('/admin/generation/units', {
      customerEmail: 'farma@example.com',
      code: 'PV-ZULAWY-1',
      name: 'Żuławy solar',
      technology: 'pv',
      capacity: '4000',
      connectionPoint: 'GPZ 15 kV',
      activeFrom: '2026-01-01',
      activeTo: '',
    })
    expect(good.status).toBe(303)
    const unitId = good.headers.location!.split('/').at(-1)!
    const farma = await customer()
    const home = await farma.get('/services/pgb')
    expect(home.text).toContain('PV-ZULAWY-1')
    // The gate's time says what it is.
    expect(home.text).toMatch(
      /data-testid="gate">Schedules for this day can be changed until [^<]+\(gate closure\)</,
    )
    // Another customer of the tenant, with PGB too, finds neither the unit nor its days.
    const neighbour = await signedIn(t, tenant.host, 'sasiad@example.com', PASSWORD)
    expect((await neighbour.get('/services/pgb')).text).not.toContain('PV-ZULAWY-1')
    expect((await neighbour.get(`/services/pgb/units/${unitId}/days/${MONDAY}`)).status).toBe(404)
    expect((await postDay(neighbour, unitId, MONDAY, gridForm(Array(96).fill(1), 'approve'))).status).toBe(
      404,
    )
  })

  it('shows one labelled input per quarter-hour as hours × quarters: 92 in 23 hours on the spring DST day, 100 in 25 with 02:00 A/B in autumn', async () => {
    const unitId = await newUnit('PV-GRID')
    const farma = await customer()
    const normal = await farma.get(`/services/pgb/units/${unitId}/days/${MONDAY}`)
    expect(normal.text.match(/<input class="govuk-input[^"]*" id="v\d+"/g)).toHaveLength(96)
    // Laid out as hours × quarter-hours, each input still labelled with its interval.
    expect(normal.text).toContain('<label class="govuk-visually-hidden" for="v1">00:00–00:15</label>')
    expect(normal.text.match(/<th scope="row" class="govuk-table__header">\d\d:00/g)).toHaveLength(24)
    const spring = await farma.get(`/services/pgb/units/${unitId}/days/2027-03-28`)
    expect(spring.text.match(/<input class="govuk-input[^"]*" id="v\d+"/g)).toHaveLength(92)
    expect(spring.text).toContain('<label class="govuk-visually-hidden" for="v9">03:00–03:15</label>')
    expect(spring.text.match(/<th scope="row" class="govuk-table__header">\d\d:00/g)).toHaveLength(23)
    const autumn = await farma.get(`/services/pgb/units/${unitId}/days/2027-10-31`)
    expect(autumn.text.match(/<input class="govuk-input[^"]*" id="v\d+"/g)).toHaveLength(100)
    expect(autumn.text).toContain('02:00 A–02:15')
    expect(autumn.text).toContain('02:00 B–02:15')
    expect(autumn.text.match(/<th scope="row" class="govuk-table__header">\d\d:00/g)).toHaveLength(25)
    expect((await farma.get(`/services/pgb/units/${unitId}/days/2026-02-30`)).status).toBe(404)
  })

  it('refuses a bad grid naming each interval, and stores nothing', async () => {
    const unitId = await newUnit('PV-BAD')
    const farma = await customer()
    const values: (string | number)[] = solarDay(96, 3500)
    values[4] = '4000,5'
    values[6] = 'abc'
    values[8] = '1.2345'
    values[10] = ''
    const res = await postDay(farma, unitId, MONDAY, gridForm(values, 'approve'))
    expect(res.status).toBe(422)
    for (const [id, text] of [
      ['v5', '01:00–01:15: from 0 up to the unit'],
      ['v7', '01:30–01:45: enter a number'],
      ['v9', '02:00–02:15: too many decimals'],
      ['v11', '02:30–02:45: enter a value'],
    ])
      expect(res.text).toMatch(new RegExp(`href="#${id}">${text}`))
    expect(res.text).toContain('value="abc"')
    expect(await versions(unitId)).toEqual([])
  })

  it('approves a day as version 1; an unchanged re-approval makes nothing; a change makes version 2 and supersedes 1', async () => {
    const unitId = await newUnit('PV-VERSIONS')
    const farma = await customer()
    const day = solarDay(96, 3500)
    expect((await postDay(farma, unitId, MONDAY, gridForm(day, 'approve', 0))).status).toBe(303)
    expect((await postDay(farma, unitId, MONDAY, gridForm(day, 'approve', 1))).status).toBe(303)
    expect((await versions(unitId)).map((v) => [v.version, v.status])).toEqual([[1, 'submitted']])
    const changed = [...day]
    changed[50] = 1234.5
    // A form made before version 1 existed is stale.
    expect((await postDay(farma, unitId, MONDAY, gridForm(changed, 'approve', 0))).status).toBe(409)
    expect((await postDay(farma, unitId, MONDAY, gridForm(changed, 'approve', 1))).status).toBe(303)
    expect((await versions(unitId)).map((v) => [v.version, v.status])).toEqual([
      [1, 'superseded'],
      [2, 'submitted'],
    ])
    const compare = await farma.get(`/services/pgb/units/${unitId}/days/${MONDAY}/versions?a=1&b=2`)
    expect(compare.text.match(/data-changed/g)).toHaveLength(1)
    expect(compare.text).toMatch(/12:30–12:45 <span class="govuk-visually-hidden">\(changed\)/)
  })

  it('keeps a draft without approving it, empty intervals allowed', async () => {
    const unitId = await newUnit('PV-DRAFT')
    const farma = await customer()
    const res = await postDay(farma, unitId, '2026-11-24', gridForm(Array(96).fill(''), 'draft'))
    expect(res.status).toBe(303)
    const page = await farma.get(`/services/pgb/units/${unitId}/days/2026-11-24`)
    expect(page.text).toContain('it is not approved yet')
    expect((await versions(unitId)).filter((v) => v.day === '2026-11-24')).toEqual([])
  })

  it('closes a day at its gate, for crafted posts too, and says when and how to ask', async () => {
    const unitId = await newUnit('PV-GATE')
    const farma = await customer()
    const sunday = '2026-11-22'
    expect((await postDay(farma, unitId, sunday, gridForm(solarDay(96, 100), 'approve'))).status).toBe(303)
    const now = t.clock.now()
    t.clock.set('2026-11-21T13:00:00Z')
    try {
      const page = await farma.get(`/services/pgb/units/${unitId}/days/${sunday}`)
      expect(page.text).toContain('Closed at')
      expect(page.text).toContain(tenant.settings.supportEmail)
      expect(page.text).not.toContain('data-testid="approve"')
      const late = await farma.post(
        `/services/pgb/units/${unitId}/days/${sunday}`,
        gridForm(solarDay(96, 200), 'approve', 1),
      )
      expect(late.status).toBe(409)
      expect((await versions(unitId)).filter((v) => v.day === sunday)).toHaveLength(1)
    } finally {
      t.clock.set(now)
    }
  })

  it('lets the operator accept and reject (with a reason, emailed) from the day overview', async () => {
    const unitId = await newUnit('PV-DECIDE')
    const DAY = WEDNESDAY
    const farma = await twoVersions(unitId, DAY)
    const overview = await admin.get(`/admin/generation?day=${DAY}`)
    expect(overview.status).toBe(200)
    expect(overview.text).toContain('PV-DECIDE')
    const scheduleId = /action="\/admin\/generation\/schedules\/([0-9a-f-]{36})"/.exec(overview.text)![1]!
    const noReason = await admin.post(`/admin/generation/schedules/${scheduleId}`, {
      to: 'rejected',
      version: '2',
      comment: '',
      back: `/admin/generation?day=${DAY}`,
    })
    // Said beside that schedule's reason, on the overview it came from.
    expect(noReason.status).toBe(422)
    expect(noReason.text).toContain(`href="#comment-${scheduleId}"`)
    expect(noReason.text).toContain(`id="comment-${scheduleId}-error"`)
    const stale = await admin.post(`/admin/generation/schedules/${scheduleId}`, {
      to: 'accepted',
      version: '1',
    })
    expect(stale.status).toBe(409)
    // A made-up decision is no decision; a comment with a control character is said beside its field.
    const madeUp = await admin.post(`/admin/generation/schedules/${scheduleId}`, {
      to: 'deleted',
      version: '2',
    })
    expect(madeUp.status).toBe(404)
    const nul = await admin.post(`/admin/generation/schedules/${scheduleId}`, {
      to: 'rejected',
      version: '2',
      comment: 'peak\u0000',
      back: `/admin/generation?day=${DAY}`,
    })
    expect(nul.status).toBe(422)
    expect(nul.text).toContain('Remove the control characters')
    expect(nul.text).toContain('PV-DECIDE')
    const rejected = await admin.post(`/admin/generation/schedules/${scheduleId}`, {
      to: 'rejected',
      version: '2',
      comment: 'Noon peak above the connection limit',
      // Only a page of the overview is a place to go back to.
      back: '/admin/generationevil',
    })
    expect(rejected.status).toBe(303)
    expect(rejected.headers.location).toBe('/admin/generation')
    const mail = await smtp.waitFor(
      (m) => m.envelopeTo.includes('farma@example.com') && /rejected/.test(m.subject ?? ''),
    )
    expect(mail.text).toContain('Noon peak above the connection limit')
    // The customer corrects it (same values may be approved again after a rejection) and the operator accepts.
    const v2 = (await versions(unitId)).find((v) => v.version === 2)!
    expect((await postDay(farma, unitId, DAY, gridForm(v2.values, 'approve', 2))).status).toBe(303)
    await admin.get(`/admin/generation?day=${DAY}`)
    expect(
      (await admin.post(`/admin/generation/schedules/${scheduleId}`, { to: 'accepted', version: '3' }))
        .status,
    ).toBe(303)
    expect((await versions(unitId)).filter((v) => v.day === DAY).map((v) => v.status)).toEqual([
      'superseded',
      'superseded',
      'accepted',
    ])
    // The day's total per interval is the accepted version's (the only one that day): 12:30 was changed to 1,234.5 kW.
    const totals = await admin.get(`/admin/generation?day=${DAY}`)
    expect(totals.text).toMatch(
      /12:30<\/th><td class="govuk-table__cell govuk-table__cell--numeric">1,234\.500<\/td>/,
    )
    const history = await admin.get(`/admin/generation/units/${unitId}`)
    expect(
      history.text.match(
        /<tr class="govuk-table__row"><td class="govuk-table__cell"><a class="govuk-link" href="\/admin\/generation\?day=/g,
      )?.length,
    ).toBe(3)
  })

  it('reminds each customer once, within the window before the gate, listing units without an approved day', async () => {
    // Sunday 22 November's gate is Saturday 14:00 Warsaw (13:00Z); the window opens three hours before.
    await newUnit('PV-REMIND')
    const fresh = (await t.deps.tenants.byHost(tenant.host))!
    const now = t.clock.now()
    try {
      t.clock.set('2026-11-21T08:00:00Z')
      expect(await remindTenant(t.deps, fresh)).toBe(0)
      t.clock.set('2026-11-21T10:30:00Z')
      expect(await remindTenant(t.deps, fresh)).toBe(1)
      expect(await remindTenant(t.deps, fresh)).toBe(0)
    } finally {
      t.clock.set(now)
    }
    const mail = await smtp.waitFor(
      (m) => m.envelopeTo.includes('farma@example.com') && /still missing/.test(m.subject ?? ''),
    )
    expect(mail.text).toContain('PV-REMIND')
  })

  it('keeps versions of the old market time unit out of sums and comparisons when the tenant changes it', async () => {
    const unitId = await newUnit('PV-RESOLUTION')
    const DAY = THURSDAY
    const farma = await twoVersions(unitId, DAY)
    const energyOf = (html: string) => /numeric">([\d,.]+ [kM]Wh)<\/td>/.exec(html)?.[1]
    const first = await admin.get(`/admin/generation?day=${DAY}`)
    expect(first.text).toMatch(/numeric">1,234\.500<\/td>/)
    const before = energyOf(first.text)
    expect(before).toBeDefined()
    const settings = () =>
      withTenant(
        t.db.owner,
        tenant.id,
        async (trx) =>
          (await trx('tenants').where({ id: tenant.id }).first<{ settings: unknown }>('settings')).settings,
      )
    const original = await settings()
    try {
      await withTenant(t.db.owner, tenant.id, (trx) =>
        trx('tenants')
          .where({ id: tenant.id })
          .update({ settings: trx.raw(`jsonb_set(settings, '{modules,generation}', '{"resolution": 60}')`) }),
      )
      t.deps.tenants.invalidate()
      const overview = await admin.get(`/admin/generation?day=${DAY}`)
      expect(overview.text).toContain('data-testid="other-resolution"')
      expect(overview.text).not.toMatch(/numeric">1,234\.500<\/td>/)
      // A version's energy is its own: 15-minute values stay quarter-hours after the switch to 60.
      expect(energyOf(overview.text)).toBe(before)
      const page = await farma.get(`/services/pgb/units/${unitId}/days/${DAY}`)
      expect(page.text.match(/<input class="govuk-input[^"]*" id="v\d+"/g)).toHaveLength(24)
      expect(page.text).not.toMatch(/id="v1" name="v1" value="[^"]/)
      const compare = await farma.get(`/services/pgb/units/${unitId}/days/${DAY}/versions?a=1&b=2`)
      expect(compare.text).toContain('data-testid="other-resolution"')
      expect(compare.text).not.toContain('data-testid="compare"')
    } finally {
      await withTenant(t.db.owner, tenant.id, (trx) =>
        trx('tenants').where({ id: tenant.id }).update({ settings: original }),
      )
      t.deps.tenants.invalidate()
    }
  })
})

describe('generation planning: a storage unit plans its charging below zero', () => {
  let t: TestApp
  let tenant: Awaited<ReturnType<typeof createTenant>>
  let admin: Awaited<ReturnType<typeof operatorSignIn>>['agent']
  const TUESDAY = '2026-11-24'

  let close: () => Promise<void>
  beforeAll(async () => {
    ;({ t, tenant, admin, close } = await pgbTenant(['magazyn@example.com'], PASSWORD))
  })
  afterAll(() => close())

  it('takes a charging capacity for a storage unit only, and values down to minus it', async () => {
    const unit = {
      customerEmail: 'magazyn@example.com',
      code: 'BESS-1',
      name: 'Magazyn',
      technology: 'storage',
      capacity: '1000',
      charging: '500',
      connectionPoint: '',
      activeFrom: '2026-01-01',
      activeTo: '',
    }
    await admin.get('/admin/generation/units')
    const notStorage = await admin.post('/admin/generation/units', { ...unit, technology: 'pv' })
    expect(notStorage.status).toBe(422)
    expect(notStorage.text).toContain('href="#charging"')
    expect(notStorage.text).toContain('Only a storage unit has a charging capacity')
    const saved = await admin.post('/admin/generation/units', unit)
    expect(saved.status).toBe(303)
    const unitId = saved.headers.location!.split('/').at(-1)!

    const owner = await signedIn(t, tenant.host, 'magazyn@example.com', PASSWORD)
    const page = await owner.get(`/services/pgb/units/${unitId}/days/${TUESDAY}`)
    expect(page.text).toContain('data-testid="charging"')
    // Charging at night (−400 kW), discharging at the evening peak (900 kW).
    const values: number[] = Array.from({ length: 96 }, (_, i) =>
      i < 24 ? -400 : i >= 72 && i < 80 ? 900 : 0,
    )
    const tooDeep = [...values]
    tooDeep[0] = -600
    const refused = await postDay(owner, unitId, TUESDAY, gridForm(tooDeep, 'approve'))
    expect(refused.status).toBe(422)
    expect(refused.text).toContain('from minus the charging capacity up to the unit&#39;s capacity')
    const approved = await postDay(owner, unitId, TUESDAY, gridForm(values, 'approve'))
    expect(approved.status).toBe(303)
    const stored = await withTenant(t.db.owner, tenant.id, (trx) =>
      trx('schedule_versions as v')
        .join('schedules as s', 's.id', 'v.schedule_id')
        .where('s.unit_id', unitId)
        .first<{ values: number[]; total: string }>('v.values', 'v.total'),
    )
    expect(stored.values.slice(0, 2)).toEqual([-400, -400])
    // 24 quarter-hours at −400 and 8 at 900: −9,600 + 7,200 = −2,400 kW over the quarters.
    expect(Number(stored.total)).toBe(-2400)
  })
})
