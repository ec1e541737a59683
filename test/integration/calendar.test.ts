import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { addBusinessDays } from '../../src/platform/calendar/index.ts'
import { tenantCalendar } from '../../src/modules/calendar/index.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { createTenant } from '../helpers/factories.ts'
import { createOperator, operatorSignIn } from '../helpers/operators.ts'

describe('the working-day calendar page', () => {
  let t: TestApp
  let ru: Awaited<ReturnType<typeof createTenant>>
  let admin: Awaited<ReturnType<typeof operatorSignIn>>['agent']

  beforeAll(async () => {
    t = await createTestApp()
    ru = await createTenant(t.db.owner, {
      defaultLocale: 'ru',
      timeZone: 'Europe/Moscow',
      modules: { calendar: { country: 'RU' } },
    })
    admin = (await operatorSignIn(t, ru.host, await createOperator(t, ru.id, 'admin'))).agent
  })
  afterAll(() => t.close())

  const ctx = () => ({
    tenant: { id: ru.id, slug: ru.slug, settings: ru.settings },
    actor: { type: 'system' as const, id: null },
    locale: 'ru' as const,
    requestId: 'test',
    ip: undefined,
  })

  it('shows a confirmed year from the official list, and says when a year is only a guess', async () => {
    const year = await admin.get('/admin/calendar?year=2026')
    expect(year.status).toBe(200)
    expect(year.text).toContain('Официальный список на этот год')
    for (const day of ['9 января 2026 г.', '9 марта 2026 г.', '11 мая 2026 г.', '31 декабря 2026 г.']) {
      expect(year.text).toContain(day)
    }
    // The twelve months mark each kind of day, with words for screen readers.
    expect(year.text).toContain('<caption class="govuk-body govuk-!-font-weight-bold">январь</caption>')
    expect(year.text).toContain(
      '<time class="kb-cal kb-cal--off" datetime="2026-01-09">9<span class="govuk-visually-hidden"> – нерабочий день</span>',
    )
    expect(year.text).toContain('<time class="kb-cal kb-cal--short" datetime="2026-04-30">')
    expect(year.text).toContain('<time class="kb-cal kb-cal--normal" datetime="2026-01-12">')
    // A year no test edits (the next test makes 2027 the tenant's own).
    const next = await admin.get('/admin/calendar?year=2029')
    expect(next.text).toContain('Этот год не подтверждён')
    // Not confirmed, yet the fixed holidays are drawn.
    expect(next.text).toContain('<time class="kb-cal kb-cal--off" datetime="2029-01-01">')
    expect((await admin.get('/admin/calendar?year=abc')).status).toBe(404)
  })

  it('changes one day, making the year the tenant’s own; refuses days that make no sense', async () => {
    await admin.get('/admin/calendar?year=2027')
    const saturday = await admin.post('/admin/calendar/2027/day', { day: '2027-01-09', kind: 'off' })
    expect(saturday.status).toBe(422)
    expect(saturday.text).toContain('Выходной день и так нерабочий')
    const otherYear = await admin.post('/admin/calendar/2027/day', { day: '2026-01-12', kind: 'off' })
    expect(otherYear.status).toBe(422)
    expect(otherYear.text).toContain('href="#day"')
    expect(
      await withTenant(t.db.owner, ru.id, (trx) =>
        trx('working_calendar_years').where({ year: 2027 }).count('* as n').first(),
      ),
    ).toEqual({
      n: '0',
    })

    expect((await admin.post('/admin/calendar/2027/day', { day: '2027-01-11', kind: 'off' })).status).toBe(
      303,
    )
    const page = await admin.get('/admin/calendar?year=2027')
    expect(page.text).toContain('Собственный список на этот год')
    // The fixed holidays shown before stay, with the new day off.
    expect(page.text).toContain('8 января 2027 г.')
    expect(page.text).toContain('11 января 2027 г.')
    const calendar = await tenantCalendar({ db: t.deps.db }, ctx())
    expect(addBusinessDays(calendar, '2026-12-30', 1)).toBe('2027-01-12')
    const audit = await withTenant(t.db.owner, ru.id, (trx) =>
      trx('audit_log').where({ action: 'calendar.day-changed' }).count('* as n').first(),
    )
    expect(audit).toEqual({ n: '1' })
  })

  it('replaces a year with a pasted official list, all or nothing', async () => {
    await admin.get('/admin/calendar?year=2028')
    const bad = await admin.post('/admin/calendar/2028/import', { list: '2028-01-03 off\n2028-13-01 off' })
    expect(bad.status).toBe(422)
    expect(bad.text).toContain('Каждая строка: дата этого года')
    expect(bad.text).toContain('2028-13-01 off')
    const ok = await admin.post('/admin/calendar/2028/import', {
      list: '2028-01-03 off\n2028-01-04 off\n2028-01-08 working\n2028-02-22 short',
    })
    expect(ok.status).toBe(303)
    const stored = await withTenant(t.db.owner, ru.id, (trx) =>
      trx('working_calendar_years').where({ year: 2028 }).first('days_off', 'working_days', 'short_days'),
    )
    expect(stored).toEqual({
      days_off: ['2028-01-03', '2028-01-04'],
      working_days: ['2028-01-08'],
      short_days: ['2028-02-22'],
    })
    const audit = await withTenant(t.db.owner, ru.id, (trx) =>
      trx('audit_log').where({ action: 'calendar.year-imported' }).pluck('details'),
    )
    expect(audit).toHaveLength(1)
  })
})
