import { Router, type Request, type Response } from 'express'
import { z } from 'zod'
import type { Deps } from '../../deps.ts'
import { invalid, problem, problemResponses, requireScope, type ApiResources } from '../../http/api.ts'
import { ConflictError } from '../../platform/errors.ts'
import { isUuid } from '../../platform/ids.ts'
import { isRealDay } from '../../platform/time/intervals.ts'
import { requireServiceForApi } from '../services/index.ts'
import { AvailabilityError } from './availability.service.ts'
import { inputValue, readValue } from './grid.ts'
import { gateOf } from './service.ts'
import { createGenerationServices } from './services.ts'
import { generationSettings } from './settings.ts'
import type { UnitRow } from './units.service.ts'
import { DayInput, DaySchedule, Saved, Unit, UnitDay, VersionList } from './api.schemas.ts'

/** The ETag of a day: its newest version, which `If-Match` must name to replace it. */
const etag = (version: number) => `"v${version}"`

/**
 * PGB for API tokens: the account's units, a day's schedule, and a whole day sent as a new
 * version — the same services, gate closure, availability checks and versions as the page.
 */
export function generationApi(deps: Deps): ApiResources {
  const generation = createGenerationServices(deps)
  const router = Router()
  router.use('/api/v1/units', requireServiceForApi(deps, 'pgb'))
  router.get('/api/v1/units', requireScope('schedules:read'))
  router.get('/api/v1/units/:unit/days/:day', requireScope('schedules:read'))
  router.put('/api/v1/units/:unit/days/:day', requireScope('schedules:write'))
  router.get('/api/v1/units/:unit/days/:day/versions', requireScope('schedules:read'))

  const settingsOf = (res: Response) => generationSettings.of(res.locals.tenant!)
  const unitJson = (res: Response, u: UnitRow): z.infer<typeof Unit> => {
    const settings = settingsOf(res)
    return {
      id: u.id,
      code: u.code,
      name: u.name,
      technology: u.technology,
      capacity: inputValue(Number(u.capacity_kw), settings, '.'),
      valueUnit: settings.unit,
      activeFrom: u.active_from,
      activeTo: u.active_to,
    }
  }
  /** The unit (the account's own) and the day of the path, or undefined when the answer is sent. */
  const target = async (req: Request, res: Response) => {
    const day = String(req.params.day)
    if (!isUuid(String(req.params.unit))) return void problem(res, 404, 'notFound')
    if (!isRealDay(day))
      return void problem(res, 422, 'invalid', {
        errors: [{ pointer: '/path/day', detail: res.locals.t('api.errors.day') }],
      })
    const unit = await generation.unitOf(res.locals.ctx, String(req.params.unit), res.locals.customer!.id)
    return { unit, day }
  }
  const dayJson = async (res: Response, unit: UnitRow, day: string) => {
    const ctx = res.locals.ctx
    const settings = settingsOf(res)
    const view = await generation.scheduleOf(ctx, unit.id, day)
    const delivery = generation.dayOfTenant(ctx, day)
    const values = view.latest?.values
    const gate = gateOf(ctx, day)
    return DaySchedule.parse({
      unit: unit.id,
      day,
      status: view.latest?.status ?? (view.schedule ? 'draft' : 'none'),
      version: view.schedule?.version ?? 0,
      resolution: settings.resolution,
      valueUnit: settings.unit,
      gateClosesAt: gate.toISOString(),
      open: deps.clock.now() < gate && generation.isActiveOn(unit, day),
      intervals: delivery.intervals.map((iv, i) => ({
        position: iv.position,
        start: iv.start.toISOString(),
        end: iv.end.toISOString(),
        label: iv.repeat ? `${iv.local} ${iv.repeat}` : iv.local,
        value: values && values[i] !== undefined ? inputValue(Number(values[i]), settings, '.') : null,
      })),
    })
  }

  router.get('/api/v1/units', async (_req, res) => {
    const units = await generation.unitsOf(res.locals.ctx, res.locals.customer!.id)
    res.json({ data: units.map((u) => unitJson(res, u)) })
  })

  router.get('/api/v1/units/:unit/days/:day', async (req, res) => {
    const found = await target(req, res)
    if (!found) return
    const body = await dayJson(res, found.unit, found.day)
    res.set('ETag', etag(body.version)).json(body)
  })

  router.put('/api/v1/units/:unit/days/:day', async (req, res) => {
    const found = await target(req, res)
    if (!found) return
    const { unit, day } = found
    const match = /^"v(\d+)"$/.exec(req.get('if-match') ?? '')
    if (!match) return problem(res, 428, 'preconditionRequired')
    const input = DayInput.safeParse(req.body)
    if (!input.success) return invalid(res, 'body', input.error)
    const settings = settingsOf(res)
    const delivery = generation.dayOfTenant(res.locals.ctx, day)
    if (input.data.values.length !== delivery.intervals.length)
      return problem(res, 422, 'invalid', {
        errors: [{ pointer: '/body/values', detail: res.locals.t('api.errors.values') }],
      })
    // The page's rule for each value (`readValue`); a decimal comma is not JSON's, so refused.
    const kw: number[] = []
    const errors = []
    for (const [i, text] of input.data.values.entries()) {
      const read = /^-?\d+(\.\d+)?$/.test(text)
        ? readValue(text, settings, Number(unit.capacity_kw), Number(unit.charging_kw ?? 0))
        : ({ error: 'number' } as const)
      if ('error' in read) {
        const iv = delivery.intervals[i]!
        const interval = iv.repeat ? `${iv.local} ${iv.repeat}` : iv.local
        errors.push({
          pointer: `/body/values/${i}`,
          detail: res.locals.t(`generation.errors.${read.error}`, { interval }),
        })
      } else kw.push(read.kw)
    }
    if (errors.length) return problem(res, 422, 'invalid', { errors })
    try {
      const saved = await generation.approveSchedule(res.locals.ctx, unit, day, kw, Number(match[1]))
      res.status(200).set('ETag', etag(saved.version)).json(Saved.parse(saved))
    } catch (err) {
      if (err instanceof AvailabilityError)
        return problem(res, 422, 'invalid', {
          errors: err.intervals.map((e) => ({
            pointer: `/body/values/${e.position - 1}`,
            detail: res.locals.t('generation.errors.unavailable', {
              interval: delivery.intervals[e.position - 1]!.local,
              limit: inputValue(e.limitKw, settings, '.'),
              unit: settings.unit,
              reason: e.reason,
            }),
          })),
        })
      if (err instanceof ConflictError && /^schedule is at version/.test(err.message))
        return problem(res, 412, 'stale')
      if (err instanceof ConflictError) return problem(res, 409, 'closed')
      throw err
    }
  })

  router.get('/api/v1/units/:unit/days/:day/versions', async (req, res) => {
    const found = await target(req, res)
    if (!found) return
    const settings = settingsOf(res)
    const view = await generation.scheduleOf(res.locals.ctx, found.unit.id, found.day)
    const history = await generation.versionHistory(res.locals.ctx, view.versions)
    res.json(
      VersionList.parse({
        data: view.versions.map((v) => ({
          version: v.version,
          status: v.status,
          createdAt: v.created_at.toISOString(),
          total: inputValue(Number(v.total), settings, '.'),
          history: (history.get(v.id) ?? []).map((h) => ({
            at: h.at.toISOString(),
            from: h.from_status,
            to: h.to_status,
            comment: h.comment,
          })),
        })),
      }),
    )
  })

  const unitDay = { path: UnitDay }
  return {
    router,
    paths: {
      '/v1/units': {
        get: {
          operationId: 'listUnits',
          summary: "The account's generating units",
          description: 'Scope `schedules:read`.',
          responses: {
            '200': {
              description: 'The units',
              content: { 'application/json': { schema: z.object({ data: z.array(Unit) }) } },
            },
            ...problemResponses(401, 403, 404, 429),
          },
        },
      },
      '/v1/units/{unit}/days/{day}/versions': {
        get: {
          operationId: 'listScheduleVersions',
          summary: "A unit's versions of one day, with what staff decided",
          description: 'Scope `schedules:read`.',
          requestParams: unitDay,
          responses: {
            '200': { description: 'The versions', content: { 'application/json': { schema: VersionList } } },
            ...problemResponses(401, 403, 404, 422, 429),
          },
        },
      },
      '/v1/units/{unit}/days/{day}': {
        get: {
          operationId: 'getDaySchedule',
          summary: "A unit's schedule for one delivery day, interval by interval",
          description:
            'Scope `schedules:read`. The ETag names the version; send it back as If-Match to replace the day.',
          requestParams: unitDay,
          responses: {
            '200': {
              description: 'The day',
              headers: z.object({ ETag: z.string() }),
              content: { 'application/json': { schema: DaySchedule } },
            },
            ...problemResponses(401, 403, 404, 422, 429),
          },
        },
        put: {
          operationId: 'putDaySchedule',
          summary: 'Send a whole day: a new version, submitted to the operator',
          description:
            'Scope `schedules:write`. Same rules as the page: before the gate closes, within the unit’s capacity and declared availability, in the tenant’s precision. `If-Match` must name the version you read (412 when it changed); an unchanged day makes no new version.',
          requestParams: { ...unitDay, header: z.object({ 'If-Match': z.string() }) },
          requestBody: { content: { 'application/json': { schema: DayInput } } },
          responses: {
            '200': {
              description: 'Saved',
              headers: z.object({ ETag: z.string() }),
              content: { 'application/json': { schema: Saved } },
            },
            ...problemResponses(400, 401, 403, 404, 409, 412, 415, 422, 428, 429),
          },
        },
      },
    },
  }
}
