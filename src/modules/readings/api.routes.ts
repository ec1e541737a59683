import { rm } from 'node:fs/promises'
import { Router, type Request, type Response } from 'express'
import { Temporal } from 'temporal-polyfill'
import { z } from 'zod'
import type { Deps } from '../../deps.ts'
import { invalid, PageQuery, problem, requireScope, type ApiResources } from '../../http/api.ts'
import { NotFoundError } from '../../platform/errors.ts'
import { isUuid } from '../../platform/ids.ts'
import { MULTI_LINE } from '../../platform/text.ts'
import { localMoment } from '../../platform/time/intervals.ts'
import { idempotent } from '../api/index.ts'
import { requireServiceForApi } from '../services/index.ts'
import {
  Entered,
  IntervalSeries,
  IntervalsQuery,
  MAX_DAYS,
  Meter,
  Reading,
  ReadingInput,
  ReadingPage,
  readingsPaths,
} from './api.schemas.ts'
import { photoOf, ruleErrors } from './forms.ts'
import type { MeterRow } from './meters.service.ts'
import type { ReadingRow } from './readings.service.ts'
import { zoneField } from './rules.ts'
import { createReadingsServices } from './services.ts'

const readingJson = (r: ReadingRow): z.infer<typeof Reading> => ({
  id: r.id,
  meter: r.meter_id,
  day: r.read_on,
  source: r.source,
  status: r.status,
  values: r.values,
  consumption: r.consumption,
  enteredAt: r.created_at.toISOString(),
})

/** The cursor is the last row's (day, entry time, id): opaque to clients, checked when read back. */
const encodeCursor = (r: ReadingRow) =>
  Buffer.from(`${r.read_on}|${r.created_at.toISOString()}|${r.id}`).toString('base64url')
function decodeCursor(cursor: string) {
  const [readOn, at, id] = Buffer.from(cursor, 'base64url').toString().split('|')
  const createdAt = new Date(at ?? '')
  return readOn &&
    /^\d{4}-\d{2}-\d{2}$/.test(readOn) &&
    id &&
    isUuid(id) &&
    !Number.isNaN(createdAt.getTime())
    ? { readOn, createdAt, id }
    : undefined
}

/** A rule's field (`zone-T1`, `day`, `photo`) as a pointer into the body. */
const pointerOf = (field: string, zones: readonly string[]) => {
  const zone = zones.find((z) => zoneField(z) === field)
  if (zone) return `/body/values/${zone}`
  if (field === 'photo' || field === 'reason') return `/body/review/${field}`
  return `/body/${field}`
}

/**
 * Meters and readings for API tokens (`readings:read`, `readings:write`): the account's
 * meters, a meter's readings, a reading entered through the page's own rules (window,
 * AMR closure, plausibility, a confirmed jump, the reviewed way out with a photo), and
 * an AMR meter's interval data over a period, grouped, with how far it is complete.
 */
export function readingsApi(deps: Deps): ApiResources {
  const readings = createReadingsServices(deps)
  const router = Router()
  router.use('/api/v1/meters', requireServiceForApi(deps, 'readings'))
  router.get('/api/v1/meters', requireScope('readings:read'))
  router.get('/api/v1/meters/:id/readings', requireScope('readings:read'))
  router.post('/api/v1/meters/:id/readings', requireScope('readings:write'))
  router.get('/api/v1/meters/:id/intervals', requireScope('readings:read'))

  const accountId = (res: Response) => res.locals.customer!.id
  const meterOf = (req: Request, res: Response): Promise<MeterRow> => {
    if (!isUuid(String(req.params.id))) throw new NotFoundError('meter')
    return readings.customerMeter(res.locals.ctx, accountId(res), String(req.params.id))
  }

  router.get('/api/v1/meters', async (_req, res) => {
    const ctx = res.locals.ctx
    const meters = await readings.metersOf(ctx, accountId(res))
    const latest = await readings.latestReadings(
      ctx,
      meters.map((m) => m.id),
    )
    const complete = await readings.completeUntil(
      ctx,
      meters.flatMap((m) => (m.amr_code ? [m.amr_code] : [])),
    )
    const data = meters.map((m) => {
      const last = latest.get(m.id)
      return {
        id: m.id,
        number: m.number,
        object: m.object,
        tariff: m.tariff,
        zones: m.zones,
        digits: m.digits,
        decimals: m.decimals,
        multiplier: m.multiplier,
        installedOn: m.installed_on,
        removedOn: m.removed_on,
        amr: m.amr_code !== null,
        completeUntil: (m.amr_code && complete.get(m.amr_code)?.toISOString()) || null,
        latest: last ? readingJson(last) : null,
      }
    })
    res.json(z.object({ data: z.array(Meter) }).parse({ data }))
  })

  router.get('/api/v1/meters/:id/readings', async (req, res) => {
    const meter = await meterOf(req, res)
    const query = PageQuery.safeParse(req.query)
    if (!query.success) return invalid(res, 'query', query.error)
    const after = query.data.cursor ? decodeCursor(query.data.cursor) : undefined
    if (query.data.cursor && !after)
      return problem(res, 422, 'invalid', {
        errors: [{ pointer: '/query/cursor', detail: res.locals.t('api.errors.cursor') }],
      })
    const page = await readings.readingFeed(res.locals.ctx, meter, { after, limit: query.data.limit })
    const last = page.rows.at(-1)
    const next =
      page.more && last
        ? `/api/v1/meters/${meter.id}/readings?${new URLSearchParams({
            limit: String(query.data.limit),
            cursor: encodeCursor(last),
          }).toString()}`
        : null
    res.json(ReadingPage.parse({ data: page.rows.map(readingJson), next }))
  })

  router.post('/api/v1/meters/:id/readings', idempotent(deps), async (req, res) => {
    const meter = await meterOf(req, res)
    const input = ReadingInput.safeParse(req.body)
    if (!input.success) return invalid(res, 'body', input.error)
    const { day, values, confirmJump, review } = input.data
    const unknown = Object.keys(values).filter((zone) => !meter.zones.includes(zone))
    if (unknown.length)
      return problem(res, 422, 'invalid', {
        errors: unknown.map((zone) => ({
          pointer: `/body/values/${zone}`,
          detail: res.locals.t('api.errors.zone', { zones: meter.zones.join(', ') }),
        })),
      })
    if (review && !MULTI_LINE.test(review.note))
      return problem(res, 422, 'invalid', {
        errors: [{ pointer: '/body/review/note', detail: res.locals.t('api.errors.note') }],
      })
    const photo = review ? await photoOf(deps, res, review.photo) : undefined
    if (photo && 'error' in photo)
      return problem(res, 422, 'invalid', {
        errors: [{ pointer: '/body/review/photo', detail: res.locals.t(photo.error) }],
      })
    try {
      const result = await readings.enterReading(
        res.locals.ctx,
        meter.id,
        {
          day,
          values: Object.fromEntries(meter.zones.map((zone) => [zone, values[zone] ?? ''])),
          reason: review?.reason ?? null,
          note: review?.note.trim() ?? '',
          photo: photo !== undefined,
          confirmJump,
        },
        { customerId: accountId(res) },
        photo ? [{ ...photo, field: 'photo' }] : [],
      )
      if ('verdict' in result)
        return problem(res, 422, 'invalid', {
          errors: ruleErrors(res, result.verdict.errors).map((e) => ({
            pointer: pointerOf(e.field, meter.zones),
            detail: e.text,
          })),
        })
      res.status(201).json(Entered.parse(result))
    } finally {
      if (photo && !('error' in photo)) await rm(photo.path, { force: true })
    }
  })

  router.get('/api/v1/meters/:id/intervals', async (req, res) => {
    const meter = await meterOf(req, res)
    if (!meter.amr_code) throw new NotFoundError('meter')
    const query = IntervalsQuery.safeParse(req.query)
    if (!query.success) return invalid(res, 'query', query.error)
    const zone = res.locals.ctx.tenant.settings.timeZone
    const { group_by: groupBy, channel } = query.data
    const from = boundOf(query.data.period_from, zone)
    const to = boundOf(query.data.period_to, zone)
    const days = (to.getTime() - from.getTime()) / 86_400_000
    if (days <= 0 || days > MAX_DAYS[groupBy])
      return problem(res, 422, 'invalid', {
        errors: [
          {
            pointer: '/query/period_to',
            detail: res.locals.t('api.errors.periodLength', { days: MAX_DAYS[groupBy], groupBy }),
          },
        ],
      })
    const point = meter.amr_code
    const series = await readings.intervalSeries(res.locals.ctx, { point, channel, from, to, groupBy })
    const complete = (await readings.completeUntil(res.locals.ctx, [point])).get(point)
    res.json(
      IntervalSeries.parse({
        meter: meter.id,
        channel,
        groupBy,
        from: from.toISOString(),
        to: to.toISOString(),
        completeUntil: complete?.toISOString() ?? null,
        data: series.map((p) => ({
          start: p.starts_at.toISOString(),
          end: p.ends_at.toISOString(),
          local: Temporal.Instant.fromEpochMilliseconds(p.starts_at.getTime())
            .toZonedDateTimeISO(zone)
            .toString({ timeZoneName: 'never' }),
          value: p.value,
          periods: p.periods,
          missing: p.missing,
        })),
      }),
    )
  })

  return {
    router,
    largeBodies: [{ method: 'POST', path: /^\/v1\/meters\/[^/]+\/readings$/ }],
    paths: readingsPaths,
  }
}

/** A day means the tenant's midnight beginning it; an instant is taken as it is. */
const boundOf = (value: string, zone: string): Date =>
  /^\d{4}-\d{2}-\d{2}$/.test(value) ? localMoment(value, 0, '00:00', zone) : new Date(value)
