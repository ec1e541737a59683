import { Router } from 'express'
import { z } from 'zod'
import type { Deps } from '../../deps.ts'
import { flash } from '../../http/flash.ts'
import { fieldErrors, renderInvalid } from '../../http/forms.ts'
import { isConfirmed } from '../../platform/calendar/index.ts'
import { NotFoundError } from '../../platform/errors.ts'
import { dayOf } from '../../platform/time/intervals.ts'
import { intlLocale } from '../../platform/format.ts'
import { requireOperator } from '../operators/index.ts'
import type { CalendarServices } from './services.ts'
import { DAY_KINDS, officialNotice, weekdayNames, yearGrid } from './service.ts'

const Year = z.coerce.number().int().min(2000).max(2100)
const DayChange = z.object({
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'calendar.errors.day'),
  kind: z.enum(DAY_KINDS, 'calendar.errors.kind'),
})
const YearList = z.object({ list: z.string().max(20_000, 'calendar.errors.listLine') })

/** The working-day calendar for administrators: a year's exceptions, one day changed, a year imported. */
export function calendarAdminRoutes(deps: Deps, calendar: CalendarServices): Router {
  const router = Router()
  router.use('/admin/calendar', requireOperator(deps, 'admin'))

  const yearPage = async (res: Parameters<Parameters<typeof router.get>[1]>[1], year: number) => {
    const cal = await calendar.tenantCalendar(res.locals.ctx)
    const own = cal.years.get(year)
    return {
      year,
      source: await calendar.yearSource(res.locals.ctx, year),
      notice: officialNotice(res.locals.ctx, year),
      confirmed: isConfirmed(cal, year),
      days: own ?? { year, daysOff: [], workingDays: [], shortDays: [] },
      guessed: !own,
      kinds: DAY_KINDS,
      months: yearGrid(cal, year, intlLocale(res.locals.locale)),
      weekdays: weekdayNames(intlLocale(res.locals.locale)),
    }
  }

  router.get('/admin/calendar', async (req, res) => {
    const today = dayOf(deps.clock.now(), res.locals.tenant!.settings.timeZone)
    const year =
      req.query.year === undefined ? Number(today.slice(0, 4)) : Year.safeParse(req.query.year).data
    if (year === undefined) throw new NotFoundError('calendar year')
    res.render('admin/calendar/year', { ...(await yearPage(res, year)), values: {} })
  })

  router.post('/admin/calendar/:year/day', async (req, res) => {
    const year = Year.safeParse(req.params.year).data
    if (year === undefined) throw new NotFoundError('calendar year')
    const form = DayChange.safeParse(req.body)
    if (!form.success || !form.data.day.startsWith(`${year}-`)) {
      const errors = form.success
        ? [{ field: 'day', text: res.locals.t('calendar.errors.day'), href: '#day' }]
        : fieldErrors(res, form.error)
      return renderInvalid(res, 'admin/calendar/year', errors, req.body, await yearPage(res, year))
    }
    res.locals.formPage = { view: 'admin/calendar/year', locals: () => yearPage(res, year) }
    await calendar.setDay(res.locals.ctx, form.data.day, form.data.kind)
    flash(req, { key: 'calendar.saved' })
    res.redirect(303, `/admin/calendar?year=${year}`)
  })

  router.post('/admin/calendar/:year/import', async (req, res) => {
    const year = Year.safeParse(req.params.year).data
    if (year === undefined) throw new NotFoundError('calendar year')
    const form = YearList.safeParse(req.body)
    if (!form.success)
      return renderInvalid(
        res,
        'admin/calendar/year',
        fieldErrors(res, form.error),
        req.body,
        await yearPage(res, year),
      )
    res.locals.formPage = { view: 'admin/calendar/year', locals: () => yearPage(res, year) }
    await calendar.importYear(res.locals.ctx, year, form.data.list)
    flash(req, { key: 'calendar.imported' })
    res.redirect(303, `/admin/calendar?year=${year}`)
  })
  return router
}
