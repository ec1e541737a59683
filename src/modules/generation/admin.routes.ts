import { Router, type Response } from 'express'
import { z } from 'zod'
import type { Deps } from '../../deps.ts'
import { flash } from '../../http/flash.ts'
import { formText, renderInvalid } from '../../http/forms.ts'
import { PageParam, pagination } from '../../http/lists.ts'
import { uuidIds } from '../../http/params.ts'
import { stepChart } from '../../platform/chart.ts'
import { InvalidFieldError, NotFoundError } from '../../platform/errors.ts'
import { addDays, dayOf } from '../../platform/time/intervals.ts'
import { requireOperator } from '../operators/index.ts'
import { dayParam } from './customer.routes.ts'
import { unitFactor } from './grid.ts'
import { OVERVIEW_STATUSES } from './overview.service.ts'
import { TECHNOLOGIES } from './units.service.ts'
import type { GenerationServices } from './services.ts'
import { generationSettings } from './settings.ts'
import { sendSheet } from './transfer.ts'

const Filter = z.object({
  technology: z.enum(TECHNOLOGIES).optional().catch(undefined),
  status: z.enum(OVERVIEW_STATUSES).optional().catch(undefined),
})

/** An operator's decision on a day's version, from the day overview. */
const Decision = z.object({
  to: z.enum(['accepted', 'rejected']),
  version: z.coerce.number().int().min(1),
  comment: z
    .string()
    .default('')
    .transform((c) => c.slice(0, 2000)),
  back: z
    .string()
    .regex(/^\/admin\/generation(?:[/?]|$)/)
    .catch('/admin/generation'),
})

/** Comments on single intervals of a rejected version: the review page's `note-<position>` fields. */
const notesOf = (body: unknown): Record<number, string> =>
  Object.fromEntries(
    Object.entries((body ?? {}) as Record<string, unknown>).flatMap(([key, value]) => {
      const position = /^note-(\d{1,4})$/.exec(key)?.[1]
      return position && typeof value === 'string' ? [[Number(position), value]] : []
    }),
  )

/** The operators' side: the day overview, a version's review and decision, the export (units: units.routes.ts). */
export function generationAdminRoutes(deps: Deps, generation: GenerationServices): Router {
  const router = uuidIds(Router())
  router.use('/admin/generation', requireOperator(deps))

  /** The day overview for a query string (its own, or the one a decision came back from). */
  const overviewPage = async (res: Response, query: Record<string, unknown>) => {
    const ctx = res.locals.ctx
    const day = query.day
      ? dayParam(query.day)
      : addDays(dayOf(deps.clock.now(), ctx.tenant.settings.timeZone), 1)
    const filter = Filter.parse(query)
    const settings = generationSettings.of(ctx.tenant)
    const delivery = generation.dayOfTenant(ctx, day)
    const overview = await generation.dayOverview(
      ctx,
      day,
      delivery.intervals.length,
      settings.resolution,
      filter,
      PageParam.parse(query.page),
    )
    const display = delivery.intervals.map((_, i) => {
      const v = overview.totals[i]
      return v === null || v === undefined ? null : v / unitFactor(settings)
    })
    return {
      day,
      filter,
      overview,
      settings,
      delivery,
      display,
      technologies: TECHNOLOGIES,
      statuses: OVERVIEW_STATUSES,
      previousDay: addDays(day, -1),
      nextDay: addDays(day, 1),
      pagination: pagination(
        { path: '/admin/generation', query },
        overview.page,
        res.locals.t('generation.overview.title'),
      ),
      chartTitle: res.locals.t('generation.overview.chartTitle', { unit: settings.unit }),
      chart: stepChart(
        display,
        delivery.intervals.map((iv) => iv.local),
        { format: (n) => res.locals.fmt.number(n), labelEvery: 180 / settings.resolution },
      ),
    }
  }

  router.get('/admin/generation', async (req, res) => {
    res.render('admin/generation/day', await overviewPage(res, req.query))
  })

  router.get('/admin/generation/export', async (req, res) => {
    const day = req.query.day
      ? dayParam(req.query.day)
      : addDays(dayOf(deps.clock.now(), res.locals.ctx.tenant.settings.timeZone), 1)
    const units = await generation.unitsActiveOn(res.locals.ctx, day)
    const sheet = await generation.exportSheet(res.locals.ctx, units, day, day)
    await sendSheet(res, sheet, `schedules-${day}`, req.query.format)
  })

  /** One day's newest version, value by value, to accept or reject with comments on intervals. */
  const reviewPage = async (res: Response, id: string) => {
    const review = await generation.scheduleReview(res.locals.ctx, id)
    const settings = generationSettings.of(res.locals.ctx.tenant)
    const factor = unitFactor(settings)
    const comments = review.version.interval_comments ?? {}
    return {
      ...review,
      settings,
      rows: review.intervals.map((iv, i) => ({
        ...iv,
        value: review.version.values[i] === undefined ? null : Number(review.version.values[i]) / factor,
        comment: comments[String(iv.position)],
      })),
      back: `/admin/generation?day=${review.schedule.day}`,
    }
  }

  router.get('/admin/generation/schedules/:id', async (req, res) => {
    res.render('admin/generation/review', await reviewPage(res, String(req.params.id)))
  })

  router.post('/admin/generation/schedules/:id', async (req, res) => {
    const decision = Decision.safeParse(req.body)
    // The overview's and review page's own buttons send a valid decision; anything else is no decision at all.
    if (!decision.success) throw new NotFoundError('decision')
    const { back, ...chosen } = decision.data
    const id = String(req.params.id)
    try {
      await generation.decideSchedule(res.locals.ctx, id, { ...chosen, notes: notesOf(req.body) })
    } catch (err) {
      if (!(err instanceof InvalidFieldError)) throw err
      const text = res.locals.t(err.key)
      if (formText(req, 'review') === '1') {
        // The review page again, with what was typed and the problem beside its field.
        return renderInvalid(
          res,
          'admin/generation/review',
          [{ field: err.field, text, href: `#${err.field}` }],
          req.body,
          await reviewPage(res, id),
        )
      }
      // The overview it came from, with the reason's problem beside that schedule's field.
      const field = `comment-${id}`
      const query = Object.fromEntries(new URL(back, 'http://overview').searchParams)
      return renderInvalid(
        res,
        'admin/generation/day',
        [{ field, text, href: `#${field}` }],
        {},
        await overviewPage(res, query),
      )
    }
    flash(req, { key: `generation.overview.${chosen.to}` })
    res.redirect(303, back)
  })

  return router
}
