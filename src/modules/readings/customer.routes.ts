import { rm } from 'node:fs/promises'
import { Router, type Request, type Response } from 'express'
import type { Deps } from '../../deps.ts'
import { attachmentDownload } from '../../http/download.ts'
import { flash } from '../../http/flash.ts'
import { formText, renderInvalid, type FieldError } from '../../http/forms.ts'
import { PageParam, pagination } from '../../http/lists.ts'
import { uuidIds } from '../../http/params.ts'
import { acceptUploads } from '../../http/upload.ts'
import { barChart, stepChart } from '../../platform/chart.ts'
import { MULTI_LINE } from '../../platform/text.ts'
import { addDays, dayOf, isRealDay, localDateTimeValue } from '../../platform/time/intervals.ts'
import { contentDisposition } from '../../http/download.ts'
import { csvDelimiter, writeCsv } from '../../platform/csv.ts'
import { CHANNEL_NAMES } from './amr.service.ts'
import type { StoredInterval } from './intervals.service.ts'
import { exportReadings } from './export.ts'
import type { MeterRow } from './meters.service.ts'
import { PHOTO_OWNER } from './readings.service.ts'
import { REQUEST_OWNER } from './requests.service.ts'
import { keptPhotos, PHOTO_FIELD, postedValues, ruleErrors } from './forms.ts'
import { readingWindow, REVIEW_REASONS, zoneField } from './rules.ts'
import type { ReadingsServices } from './services.ts'
import { readingsSettings } from './settings.ts'

const BASE = '/services/readings'
/** A period's start on the tenant's clock, `HH:MM` (the label a customer reads). */
const localTime = (instant: Date, zone: string) => localDateTimeValue(instant, zone).slice(11, 16)
/**
 * The customer's meters and readings (seed 002 §7–8, issue 19 items 2–6): the meters with
 * their latest readings, and per meter the entry form, the monthly chart, the history
 * and its CSV. A meter of another customer is a 404 like one that does not exist.
 */
export function readingsCustomerRoutes(deps: Deps, readings: ReadingsServices): Router {
  const router = uuidIds(Router())
  const today = (res: Response) => dayOf(deps.clock.now(), res.locals.ctx.tenant.settings.timeZone)
  const customerId = (res: Response) => res.locals.customer!.id

  router.get(BASE, async (_req, res) => {
    const settings = readingsSettings.of(res.locals.tenant!)
    const meters = await readings.metersOf(res.locals.ctx, customerId(res))
    const latest = await readings.latestReadings(
      res.locals.ctx,
      meters.map((m) => m.id),
    )
    const complete = await readings.completeUntil(
      res.locals.ctx,
      meters.flatMap((m) => (m.amr_code ? [m.amr_code] : [])),
    )
    const requests = await readings.requestsOf(res.locals.ctx, customerId(res))
    res.render('customer/readings/home', {
      requests,
      meters: meters.map((m) => ({
        ...m,
        latest: latest.get(m.id),
        completeUntil: m.amr_code ? complete.get(m.amr_code) : undefined,
      })),
      window: readingWindow(today(res), settings),
      settings,
      amrOffered: settings.amrHeadEnd !== '',
    })
  })

  const meterOf = (req: Request, res: Response) =>
    readings.customerMeter(res.locals.ctx, customerId(res), String(req.params.id))
  const meterPage = async (req: Request, res: Response, meter: MeterRow) => {
    const ctx = res.locals.ctx
    const settings = readingsSettings.of(res.locals.tenant!)
    const history = await readings.readingHistory(ctx, meter, PageParam.parse(req.query.page))
    const use = await readings.monthlyUse(ctx, meter)
    const { t, fmt } = res.locals
    const closedOnAmr = meter.amr_code !== null && settings.closedOnAmr
    return {
      meter,
      settings,
      history,
      historyPagination: pagination(req, history, t('readings.history.pages')),
      use,
      chart: barChart(
        use.zones.map((z) => z.values.map((v) => (v === null ? null : Number(v)))),
        use.months.map((m) => fmt.month(m)),
        { format: (n) => fmt.number(n) },
      ),
      legend: use.zones.map((z) => t(`readings.zones.${z.zone}`)),
      window: readingWindow(today(res), settings),
      canEnter: !meter.removed_on && !closedOnAmr,
      closedOnAmr,
      reasons: REVIEW_REASONS,
      today: today(res),
    }
  }

  /**
   * An AMR meter's stored day (items 2 and 11): how far its data is complete, and the A+
   * profile of a day (yesterday unless asked) with missing periods left missing.
   */
  const amrDayOf = async (req: Request, res: Response, meter: MeterRow) => {
    if (!meter.amr_code) return undefined
    const asked = typeof req.query.profileDay === 'string' ? req.query.profileDay : undefined
    const day = asked ?? addDays(today(res), -1)
    if (!isRealDay(day))
      return {
        day,
        error: { field: 'profileDay', text: res.locals.t('readings.errors.day'), href: '#profileDay' },
      }
    const complete = (await readings.completeUntil(res.locals.ctx, [meter.amr_code])).get(meter.amr_code)
    const stored = (await readings.storedDay(res.locals.ctx, meter.amr_code, day)).filter(
      (i) => i.channel === '01',
    )
    const { fmt } = res.locals
    const zone = res.locals.ctx.tenant.settings.timeZone
    const labels = stored.map((i) => localTime(i.starts_at, zone))
    return {
      day,
      completeUntil: complete,
      stored,
      labels,
      chart: stored.length
        ? stepChart(
            stored.map((i) => (i.value === null ? null : Number(i.value))),
            labels,
            { format: (n) => fmt.number(n), labelEvery: Math.max(1, Math.round(stored.length / 8)) },
          )
        : undefined,
    }
  }

  router.get(`${BASE}/meters/:id`, async (req, res) => {
    const page = await meterPage(req, res, await meterOf(req, res))
    const amr = await amrDayOf(req, res, page.meter)
    if (amr?.error)
      return renderInvalid(
        res,
        'customer/readings/meter',
        [amr.error],
        { day: page.today, profileDay: amr.day },
        {
          ...page,
          amr: { day: amr.day, invalid: true },
        },
      )
    res.render('customer/readings/meter', { ...page, amr, values: { day: page.today, profileDay: amr?.day } })
  })

  router.get(`${BASE}/meters/:id/intervals.csv`, async (req, res) => {
    const meter = await meterOf(req, res)
    const day = typeof req.query.day === 'string' ? req.query.day : ''
    if (!meter.amr_code) return void res.status(404).render('errors/404')
    if (!isRealDay(day)) {
      const error = { field: 'profileDay', text: res.locals.t('readings.errors.day'), href: '#profileDay' }
      return renderInvalid(
        res,
        'customer/readings/meter',
        [error],
        { profileDay: day },
        {
          ...(await meterPage(req, res, meter)),
          amr: { day, invalid: true },
        },
      )
    }
    const rows = await readings.storedDay(res.locals.ctx, meter.amr_code, day)
    const { t, locale } = res.locals
    const zone = res.locals.ctx.tenant.settings.timeZone
    const comma = csvDelimiter(locale) === ';'
    res.set({
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': contentDisposition(`amr-${meter.number}-${day}.csv`),
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-store',
    })
    await writeCsv(
      res,
      [
        { header: t('readings.amr.meter'), value: () => meter.number },
        {
          header: t('readings.amr.channel'),
          value: (i: StoredInterval) => CHANNEL_NAMES[i.channel] ?? i.channel,
        },
        { header: t('readings.amr.from'), value: (i: StoredInterval) => localTime(i.starts_at, zone) },
        { header: t('readings.amr.utc'), value: (i: StoredInterval) => i.starts_at.toISOString() },
        { header: t('readings.amr.minutes'), value: (i: StoredInterval) => i.minutes },
        {
          header: t('readings.amr.value'),
          value: (i: StoredInterval) => (comma ? i.value?.replace('.', ',') : i.value),
        },
        { header: t('readings.amr.status'), value: (i: StoredInterval) => i.status },
      ],
      rows,
      locale,
    )
  })

  router.post(
    `${BASE}/meters/:id`,
    ...acceptUploads(deps, [PHOTO_FIELD]),
    async (req: Request, res: Response) => {
      // The page (history, chart) is read only if the form has to be shown again.
      const meter = await meterOf(req, res)
      const reason = REVIEW_REASONS.find((r) => r === formText(req, 'reason')) ?? null
      const values = {
        day: formText(req, 'day'),
        ...Object.fromEntries(meter.zones.map((z) => [zoneField(z), formText(req, zoneField(z))])),
        reason: reason ?? '',
        note: formText(req, 'note').trim(),
        confirmJump: formText(req, 'confirmJump') === 'yes' ? ['yes'] : [],
      }
      const again = async (errors: FieldError[], extra: object = {}) =>
        renderInvalid(res, 'customer/readings/meter', errors, values, {
          ...(await meterPage(req, res, meter)),
          offerReview: reason !== null,
          ...extra,
        })
      const uploaded = req.upload?.files ?? []
      if (req.upload?.errors.length) return again(req.upload.errors)
      if (values.note.length > 1000 || !MULTI_LINE.test(values.note))
        return again([{ field: 'note', text: res.locals.t('readings.errors.note'), href: '#note' }])
      const photos = reason && uploaded.length ? await keptPhotos(deps, res, uploaded) : []
      if (!Array.isArray(photos)) return again([photos])
      try {
        const result = await readings.enterReading(
          res.locals.ctx,
          meter.id,
          {
            day: values.day,
            values: postedValues(req, meter),
            reason: reason,
            note: values.note,
            photo: photos.length > 0,
            confirmJump: values.confirmJump.length > 0,
          },
          { customerId: customerId(res) },
          photos,
        )
        if ('verdict' in result)
          return again(ruleErrors(res, result.verdict.errors), {
            askConfirm: result.verdict.askConfirm,
            offerReview: result.verdict.offerReview || reason !== null,
          })
        flash(req, {
          key: result.status === 'review' ? 'readings.entered.review' : 'readings.entered.accepted',
        })
        res.redirect(303, `${BASE}/meters/${meter.id}`)
      } finally {
        // A re-encoded photo that was not kept (a refused reading) goes with the request.
        for (const photo of photos) await rm(photo.path, { force: true })
      }
    },
  )

  router.get(`${BASE}/meters/:id/readings.csv`, async (req, res) => {
    const meter = await meterOf(req, res)
    const meterIds = [meter.id, ...(meter.replaces_id ? [meter.replaces_id] : [])]
    await exportReadings(res, deps.db, `readings-${meter.number}.csv`, { meterIds })
  })

  router.get(
    `${BASE}/photos/:attachmentId`,
    attachmentDownload(deps, async (ctx, attachment, req) => {
      const me = req.res!.locals.customer!.id
      if (attachment.owner.type === REQUEST_OWNER)
        return (await readings.requestPhotoOwner(ctx, attachment.owner.id)) === me
      if (attachment.owner.type !== PHOTO_OWNER) return false
      return (await readings.readingPhotoOwner(ctx, attachment.owner.id)) === me
    }),
  )
  return router
}
