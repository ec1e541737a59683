import { Router, type Request, type Response } from 'express'
import { z } from 'zod'
import type { Deps } from '../../deps.ts'
import { attachmentDownload } from '../../http/download.ts'
import { flash } from '../../http/flash.ts'
import { fieldErrors, formText, renderInvalid, type FieldError } from '../../http/forms.ts'
import { EMPTY_PAGE, filterDay, filterText, readFilters } from '../../http/filters.ts'
import { PageParam, exportList, pagination } from '../../http/lists.ts'
import { uuidIds } from '../../http/params.ts'
import { MULTI_LINE } from '../../platform/text.ts'
import { dayOf, isRealDay } from '../../platform/time/intervals.ts'
import { requireOperator } from '../operators/index.ts'
import { postedValues, ruleErrors } from './forms.ts'
import { exportReadings } from './export.ts'
import type { MeterInput, MeterRow } from './meters.service.ts'
import { PHOTO_OWNER } from './readings.service.ts'
import { periodQuery } from './review.service.ts'
import { REQUEST_OWNER } from './requests.service.ts'
import { zoneField } from './rules.ts'
import { meterForm, toMeterInput } from './schemas.ts'
import type { ReadingsServices } from './services.ts'
import { readingsSettings } from './settings.ts'

const ADMIN = '/admin/readings'
const MeterSearch = z.object({ q: filterText(100) })
const PeriodFilter = z.object({
  from: filterDay,
  to: filterDay,
  missing: z.enum(['yes'], 'readings.period.errors.missing').optional(),
})
/**
 * Staff's side of readings (issue 19 items 1 and 7): meters (added one by one, changed,
 * exchanged), each with its whole history and a form to enter or correct a reading on the
 * customer's behalf (a reason is required and audited), the readings awaiting review
 * (accept, or reject with a reason — the customer is emailed), and the billing export.
 */
export function readingsAdminRoutes(deps: Deps, readings: ReadingsServices): Router {
  const router = uuidIds(Router())
  router.use(ADMIN, requireOperator(deps))
  const settingsOf = (res: Response) => readingsSettings.of(res.locals.tenant!)

  const metersPage = async (req: Request, res: Response) => {
    const read = readFilters(MeterSearch, req, res)
    const q = read.ok ? (read.data.q ?? '') : ''
    const page = read.ok
      ? await readings.meterList(res.locals.ctx, { page: PageParam.parse(req.query.page), q })
      : EMPTY_PAGE
    return {
      page,
      q: read.ok ? q : typeof req.query.q === 'string' ? req.query.q : '',
      searchErrors: read.ok ? [] : read.errors,
      pagination: pagination(req, page, res.locals.t('readings.meters.pages')),
      settings: settingsOf(res),
    }
  }

  const readMeter = (req: Request, res: Response): MeterInput | { errors: FieldError[] } => {
    const form = meterForm(settingsOf(res)).safeParse(req.body)
    if (!form.success) return { errors: fieldErrors(res, form.error) }
    return toMeterInput(form.data)
  }

  router.get(`${ADMIN}/meters`, async (req, res) => {
    const page = await metersPage(req, res)
    res.status(page.searchErrors.length ? 422 : 200).render('admin/readings/meters', {
      ...page,
      errors: page.searchErrors,
      values: { digits: '6', decimals: '1', multiplier: '1' },
    })
  })

  router.post(`${ADMIN}/meters`, async (req, res) => {
    const input = readMeter(req, res)
    if ('errors' in input)
      return renderInvalid(res, 'admin/readings/meters', input.errors, req.body, await metersPage(req, res))
    res.locals.formPage = { view: 'admin/readings/meters', locals: () => metersPage(req, res) }
    const id = await readings.saveMeter(res.locals.ctx, null, input)
    flash(req, { key: 'readings.meters.saved' })
    res.redirect(303, `${ADMIN}/meters/${id}`)
  })

  const meterPage = async (req: Request, res: Response) => {
    const ctx = res.locals.ctx
    const meter = await readings.meterOf(ctx, String(req.params.id))
    const history = await readings.readingHistory(ctx, meter, PageParam.parse(req.query.page))
    return {
      meter,
      settings: settingsOf(res),
      history,
      historyPagination: pagination(req, history, res.locals.t('readings.history.pages')),
      current: meterValues(meter, await readings.meterOwnerEmail(ctx, meter)),
    }
  }
  const meterValues = (meter: MeterRow, customerEmail: string) => ({
    customerEmail,
    number: meter.number,
    tariff: meter.tariff,
    digits: String(meter.digits),
    decimals: String(meter.decimals),
    multiplier: String(Number(meter.multiplier)),
    object: meter.object,
    installedOn: meter.installed_on,
    removedOn: meter.removed_on ?? '',
    amrCode: meter.amr_code ?? '',
    replaces: '',
  })

  router.get(`${ADMIN}/meters/:id`, async (req, res) => {
    const page = await meterPage(req, res)
    res.render('admin/readings/meter', { ...page, values: page.current, entry: {} })
  })

  router.post(`${ADMIN}/meters/:id`, async (req, res) => {
    const page = await meterPage(req, res)
    const input = readMeter(req, res)
    if ('errors' in input)
      return renderInvalid(res, 'admin/readings/meter', input.errors, req.body, { ...page, entry: {} })
    res.locals.formPage = { view: 'admin/readings/meter', locals: () => ({ ...page, entry: {} }) }
    await readings.saveMeter(res.locals.ctx, page.meter.id, input)
    flash(req, { key: 'readings.meters.saved' })
    res.redirect(303, `${ADMIN}/meters/${page.meter.id}`)
  })

  router.post(`${ADMIN}/meters/:id/readings`, async (req, res) => {
    const page = await meterPage(req, res)
    const entry = {
      day: formText(req, 'day'),
      operatorReason: formText(req, 'operatorReason').trim(),
      estimate: formText(req, 'estimate') === 'yes' ? ['yes'] : [],
      ...Object.fromEntries(page.meter.zones.map((z) => [zoneField(z), formText(req, zoneField(z))])),
    }
    const again = (errors: FieldError[]) =>
      renderInvalid(res, 'admin/readings/meter', errors, page.current, { ...page, entry })
    if (!entry.operatorReason || entry.operatorReason.length > 500 || !MULTI_LINE.test(entry.operatorReason))
      return again([
        {
          field: 'operatorReason',
          text: res.locals.t('readings.errors.operatorReason'),
          href: '#operatorReason',
        },
      ])
    const result = await readings.enterReading(
      res.locals.ctx,
      page.meter.id,
      {
        day: entry.day,
        values: postedValues(req, page.meter),
        reason: null,
        note: '',
        photo: false,
        confirmJump: true,
      },
      {
        operatorId: res.locals.ctx.actor.id!,
        reason: entry.operatorReason,
        estimate: entry.estimate.length > 0,
      },
      [],
    )
    if ('verdict' in result) return again(ruleErrors(res, result.verdict.errors))
    flash(req, { key: 'readings.entered.accepted' })
    res.redirect(303, `${ADMIN}/meters/${page.meter.id}`)
  })

  const reviewPage = async (req: Request, res: Response) => {
    const page = await readings.awaitingReview(res.locals.ctx, PageParam.parse(req.query.page))
    return { page, pagination: pagination(req, page, res.locals.t('readings.review.pages')) }
  }

  router.get(`${ADMIN}/review`, async (req, res) => {
    res.render('admin/readings/review', { ...(await reviewPage(req, res)), values: {} })
  })

  router.post(`${ADMIN}/review/:id`, async (req, res) => {
    const to = formText(req, 'decision')
    const note = formText(req, 'note').trim()
    const id = String(req.params.id)
    const errors: FieldError[] = []
    if (to !== 'accepted' && to !== 'rejected')
      errors.push({
        field: `decision-${id}`,
        text: res.locals.t('readings.review.errors.decision'),
        href: `#decision-${id}`,
      })
    else if (to === 'rejected' && !note)
      errors.push({
        field: `note-${id}`,
        text: res.locals.t('readings.review.errors.note'),
        href: `#note-${id}`,
      })
    if (note.length > 500 || !MULTI_LINE.test(note))
      errors.push({
        field: `note-${id}`,
        text: res.locals.t('readings.review.errors.noteInvalid'),
        href: `#note-${id}`,
      })
    if (errors.length)
      return renderInvalid(
        res,
        'admin/readings/review',
        errors,
        { [id]: { note, decision: to } },
        await reviewPage(req, res),
      )
    await readings.decideReading(res.locals.ctx, id, { to: to as 'accepted' | 'rejected', note })
    flash(req, { key: `readings.review.${to}` })
    res.redirect(303, `${ADMIN}/review`)
  })

  router.get(`${ADMIN}/export.csv`, async (req, res) => {
    const from = typeof req.query.from === 'string' ? req.query.from : ''
    const to = typeof req.query.to === 'string' ? req.query.to : ''
    if (!isRealDay(from) || !isRealDay(to) || to < from) {
      const errors = [{ field: 'from', text: res.locals.t('readings.export.errors.period'), href: '#from' }]
      return renderInvalid(res, 'admin/readings/review', errors, { from, to }, await reviewPage(req, res))
    }
    await exportReadings(res, deps.db, `readings-${from}-${to}.csv`, { from, to, status: 'accepted' })
  })

  /**
   * The period overview (item 7): the meters in service with their reading of the period,
   * or only those missing one; the current month of the tenant's calendar unless chosen.
   */
  const periodOf = (
    req: Request,
    res: Response,
  ): { errors: FieldError[] } | { from: string; to: string; missing: boolean } => {
    const today = dayOf(deps.clock.now(), res.locals.ctx.tenant.settings.timeZone)
    const read = readFilters(PeriodFilter, req, res)
    if (!read.ok) return { errors: read.errors }
    const from = read.data.from ?? `${today.slice(0, 8)}01`
    const to = read.data.to ?? today
    if (to < from)
      return { errors: [{ field: 'to', text: res.locals.t('readings.period.errors.order'), href: '#to' }] }
    return { from, to, missing: read.data.missing === 'yes' }
  }

  router.get(`${ADMIN}`, async (req, res) => {
    const period = periodOf(req, res)
    const values = {
      from: typeof req.query.from === 'string' ? req.query.from : '',
      to: typeof req.query.to === 'string' ? req.query.to : '',
      missing: req.query.missing === 'yes' ? ['yes'] : [],
    }
    if ('errors' in period)
      return renderInvalid(res, 'admin/readings/period', period.errors, values, { page: EMPTY_PAGE })
    const page = await readings.periodReadings(res.locals.ctx, {
      ...period,
      page: PageParam.parse(req.query.page),
    })
    res.render('admin/readings/period', {
      page,
      period,
      pagination: pagination(req, page, res.locals.t('readings.period.pages')),
      values: { ...values, from: period.from, to: period.to },
      csv: `${ADMIN}/period.csv?${new URLSearchParams({ from: period.from, to: period.to, ...(period.missing ? { missing: 'yes' } : {}) }).toString()}`,
    })
  })

  router.get(`${ADMIN}/period.csv`, async (req, res) => {
    const period = periodOf(req, res)
    if ('errors' in period)
      return renderInvalid(res, 'admin/readings/period', period.errors, req.query, { page: EMPTY_PAGE })
    const t = res.locals.t
    await exportList<{
      number: string
      object: string
      tariff: string
      owner_email: string | null
      read_on: string | null
    }>(
      res,
      deps.db,
      `readings-${period.from}-${period.to}${period.missing ? '-missing' : ''}.csv`,
      [
        { header: t('readings.meters.number'), value: (r) => r.number },
        { header: t('readings.meters.object'), value: (r) => r.object },
        { header: t('readings.meters.tariff'), value: (r) => r.tariff },
        { header: t('readings.meters.customer'), value: (r) => r.owner_email ?? '' },
        { header: t('readings.period.readOn'), value: (r) => r.read_on ?? '' },
      ],
      (trx) => periodQuery(trx, period),
    )
  })

  router.get(
    `${ADMIN}/photos/:attachmentId`,
    attachmentDownload(deps, (_ctx, attachment) =>
      [PHOTO_OWNER, REQUEST_OWNER].includes(attachment.owner.type),
    ),
  )
  return router
}
