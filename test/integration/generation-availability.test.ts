import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { signedIn } from '../helpers/accounts.ts'
import { deliveryDay } from '../../src/platform/time/intervals.ts'
import { intervalLabel } from '../../src/modules/generation/transfer.ts'
import { multipart } from '../helpers/applications.ts'
import { gridForm, pgbTenant, postDay } from '../helpers/generation.ts'

const PASSWORD = 'słoneczny poranek 12'
/** A Tuesday after the test clock's first day (21 Nov 2026), open for changes; Warsaw, 96 quarter-hours. */
const DAY = '2026-11-24'

/**
 * Issue 17 item 21: a unit's availability declared beside its schedule (planned or forced
 * unavailability, the most it can give, a reason), checked when a day is approved.
 */
describe('generation: declared availability', () => {
  let env: Awaited<ReturnType<typeof pgbTenant>>
  const customer = () => signedIn(env.t, env.tenant.host, 'avail@example.com', PASSWORD)
  const declarations = (unitId: string) =>
    withTenant(env.t.db.owner, env.tenant.id, (trx) =>
      trx('unit_availability')
        .where({ unit_id: unitId })
        .orderBy('created_at')
        .select<{ available_kw: string; reason: string; withdrawn: boolean; period: string }[]>(
          'available_kw',
          'reason',
          trx.raw('withdrawn_at IS NOT NULL AS withdrawn'),
          trx.raw(`tstzrange(lower(period), upper(period))::text AS period`),
        ),
    )
  const page = `/services/pgb/units/:unit/availability?day=${DAY}`
  const declare = async (unitId: string, form: Record<string, string>) => {
    const farma = await customer()
    await farma.get(page.replace(':unit', unitId))
    return farma.post(page.replace(':unit', unitId), form)
  }

  /** Each test its own unit of the customer's (2,000 kW wind), so none depends on another's declarations. */
  const newUnit = async (code: string) => {
    await env.admin.get('/admin/generation/units')
    const unit = await env.admin.post('/admin/generation/units', {
      customerEmail: 'avail@example.com',
      code,
      name: 'Wind',
      technology: 'wind',
      capacity: '2000',
      connectionPoint: 'GPZ 110 kV',
      activeFrom: '2026-01-01',
      activeTo: '',
    })
    return unit.headers.location!.split('/').at(-1)!
  }
  /** 10:00–14:00 Warsaw time (UTC+1 in November) nothing, 14:00–16:00 at most 500 kW. */
  const declareTwo = async (unitId: string) => {
    expect(
      (
        await declare(unitId, {
          from: '2026-11-24T10:00',
          to: '2026-11-24T14:00',
          available: '0',
          reason: 'Blade inspection',
        })
      ).status,
    ).toBe(303)
    expect(
      (
        await declare(unitId, {
          from: '2026-11-24 14:00',
          to: '2026-11-24 16:00',
          available: '500',
          reason: 'Grid limit',
        })
      ).status,
    ).toBe(303)
  }

  beforeAll(async () => {
    env = await pgbTenant(['avail@example.com'], PASSWORD)
  })
  afterAll(() => env.close())

  it('refuses bad declarations beside their fields and saves nothing', async () => {
    const unitId = await newUnit('WIND-AV-BAD')
    const bad = await declare(unitId, {
      from: '2026-11-31T10:00',
      to: 'tomorrow',
      available: '2500',
      reason: '',
    })
    expect(bad.status).toBe(422)
    for (const field of ['from', 'to', 'available', 'reason']) expect(bad.text).toContain(`href="#${field}"`)
    expect(bad.text).toContain('Enter a date and time, such as 2026-11-23 10:00')
    expect(bad.text).toContain('Enter the power available as a number from 0 up to 2,000')
    const at = (from: string, to: string, available = '0') =>
      declare(unitId, { from, to, available, reason: 'x' })
    const reversed = await at('2026-11-24T14:00', '2026-11-24T10:00')
    expect(reversed.status).toBe(422)
    expect(reversed.text).toContain('The end must be after the start')
    expect((await at('2026-11-24T10:00', '2026-11-24T14:00', '2000')).text).toContain(
      'Declare less than the installed capacity of 2,000',
    )
    expect((await at('2026-11-20T10:00', '2026-11-21T09:00')).text).toContain('The end must be in the future')
    expect(await declarations(unitId)).toEqual([])
  })

  it('keeps periods of one unit from overlapping (the database refuses), and refuses approving above them', async () => {
    const unitId = await newUnit('WIND-AV-1')
    await declareTwo(unitId)
    const overlap = await declare(unitId, {
      from: '2026-11-24T15:45',
      to: '2026-11-24T18:00',
      available: '100',
      reason: 'More',
    })
    expect(overlap.status).toBe(422)
    expect(overlap.text).toContain('This period overlaps another declaration of the unit')
    expect(await declarations(unitId)).toEqual([
      {
        available_kw: '0.000',
        reason: 'Blade inspection',
        withdrawn: false,
        period: '["2026-11-24 09:00:00+00","2026-11-24 13:00:00+00")',
      },
      {
        available_kw: '500.000',
        reason: 'Grid limit',
        withdrawn: false,
        period: '["2026-11-24 13:00:00+00","2026-11-24 15:00:00+00")',
      },
    ])
    // Another unit's periods are its own.
    const other = await newUnit('WIND-AV-2')
    expect(
      (
        await declare(other, {
          from: '2026-11-24T11:00',
          to: '2026-11-24T12:00',
          available: '0',
          reason: 'x',
        })
      ).status,
    ).toBe(303)

    const farma = await customer()
    // 1,000 kW all day: above the declarations from 10:00 (position 41) to 16:00 (position 64).
    const refused = await postDay(farma, unitId, DAY, gridForm(Array(96).fill(1000), 'approve'))
    expect(refused.status).toBe(422)
    expect(refused.text.match(/govuk-error-summary__list[\s\S]*?<\/ul>/)![0].match(/<li>/g)).toHaveLength(24)
    expect(refused.text).toContain('href="#v41"')
    expect(refused.text).toContain('href="#v64"')
    expect(refused.text).not.toContain('href="#v40"')
    expect(refused.text).not.toContain('href="#v65"')
    expect(refused.text).toContain('10:00–10:15: above the declared availability of 0 kW (Blade inspection)')
    expect(refused.text).toContain('15:45–16:00: above the declared availability of 500 kW (Grid limit)')
    const within = Array.from({ length: 96 }, (_, i) =>
      i >= 40 && i < 56 ? 0 : i >= 56 && i < 64 ? 500 : 1000,
    )
    expect((await postDay(farma, unitId, DAY, gridForm(within, 'approve'))).status).toBe(303)
    const day = await farma.get(`/services/pgb/units/${unitId}/days/${DAY}`)
    expect(day.text).toContain('Declared availability on this day')
    expect(day.text).toContain('at most 500 kW — <span class="kb-pre">Grid limit</span>')
    expect(day.text).not.toContain('data-testid="above-declared"')
  })

  it('withdraws a declaration (kept, marked) and warns when an approved day is above a later one', async () => {
    const unitId = await newUnit('WIND-AV-3')
    await declareTwo(unitId)
    const farma = await customer()
    const within = Array.from({ length: 96 }, (_, i) =>
      i >= 40 && i < 56 ? 0 : i >= 56 && i < 64 ? 500 : 1000,
    )
    expect((await postDay(farma, unitId, DAY, gridForm(within, 'approve'))).status).toBe(303)
    const list = await farma.get(page.replace(':unit', unitId))
    const ids = [...list.text.matchAll(/availability\/([0-9a-f-]{36})\/withdraw/g)].map((m) => m[1]!)
    expect(ids).toHaveLength(2)
    const withdraw = `/services/pgb/units/${unitId}/availability/${ids[1]}/withdraw?day=${DAY}`
    expect((await farma.post(withdraw, {})).status).toBe(303)
    expect((await declarations(unitId)).map((d) => d.withdrawn)).toEqual([false, true])
    expect((await farma.get(page.replace(':unit', unitId))).text).toContain('withdrawn ')
    // Withdrawn twice is no longer possible.
    await farma.get(page.replace(':unit', unitId))
    expect((await farma.post(withdraw, {})).status).toBe(404)
    // A forced outage declared after the day was approved: the day page says the version is above it.
    expect(
      (
        await declare(unitId, {
          from: '2026-11-24T20:00',
          to: '2026-11-24T21:00',
          available: '0',
          reason: 'Forced outage',
        })
      ).status,
    ).toBe(303)
    const day = await farma.get(`/services/pgb/units/${unitId}/days/${DAY}`)
    expect(day.text).toMatch(
      /data-testid="above-declared">[\s\S]*Version 1 is above the declared availability in 4 intervals/,
    )
    // Staff see the live declarations on the review page.
    const overview = await env.admin.get(`/admin/generation?day=${DAY}`)
    const scheduleId =
      /href="\/admin\/generation\/schedules\/([0-9a-f-]{36})" data-testid="review-WIND-AV-3"/.exec(
        overview.text,
      )![1]!
    const review = await env.admin.get(`/admin/generation/schedules/${scheduleId}`)
    expect(review.text).toContain('Forced outage')
    expect(review.text).toContain('Blade inspection')
    expect(review.text).not.toContain('Grid limit')
  })

  it('refuses an import above the declarations in its preview, naming the day and its first such interval', async () => {
    const unitId = await newUnit('WIND-AV-4')
    await declareTwo(unitId)
    const farma = await customer()
    await farma.get('/services/pgb/import')
    const csv = [
      'start;WIND-AV-4',
      ...deliveryDay(DAY, 'Europe/Warsaw', 15).intervals.map((iv) => `${intervalLabel(DAY, iv)};1500`),
    ].join('\n')
    const res = await multipart(farma, '/services/pgb/import').attach('file', Buffer.from(csv), {
      filename: 'day.csv',
    })
    expect(res.status).toBe(303)
    const preview = await farma.get(res.headers.location!)
    // 10:00–14:00 (0 kW) and 14:00–16:00 (500 kW): 24 intervals.
    expect(preview.text).toContain(
      'WIND-AV-4, 2026-11-24: 24 intervals are above the unit’s declared availability, the first at 2026-11-24 10:00',
    )
    expect(preview.text).not.toContain('name="mode"')
  })
})
