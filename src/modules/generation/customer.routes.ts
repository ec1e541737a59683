import { Router, type Request, type Response } from 'express'
import type { Deps } from '../../deps.ts'
import { flash } from '../../http/flash.ts'
import { formText, renderInvalid } from '../../http/forms.ts'
import { acceptUpload } from '../../http/upload.ts'
import { uuidIds } from '../../http/params.ts'
import { ConflictError, NotFoundError } from '../../platform/errors.ts'
import { addDays, dayOf, deliveryDay, parseDay, type Resolution } from '../../platform/time/intervals.ts'
import { requireService } from '../services/index.ts'
import { copyByLocalTime, copySource, editorLocals, gridErrors, labelledComments } from './editor.ts'
import { readGrid, unitFactor } from './grid.ts'
import { aboveAvailability, AvailabilityError, limitsOf } from './availability.service.ts'
import { gateOf, type VersionRow } from './service.ts'
import type { UnitRow } from './units.service.ts'
import type { GenerationServices } from './services.ts'
import { generationSettings } from './settings.ts'
import { daysBetween, intervalLabel, MAX_IMPORT_DAYS, sendSheet } from './transfer.ts'

const BASE = '/services/pgb'

/** A `YYYY-MM-DD` that is a real day, or a 404. */
export function dayParam(value: unknown): string {
  const text = typeof value === 'string' ? value : ''
  try {
    parseDay(text)
    return text
  } catch {
    throw new NotFoundError('day')
  }
}

/** The customer's side of PGB (seed 000 step 7): units, the daily grid, versions, import and export. */
export function generationCustomerRoutes(deps: Deps, generation: GenerationServices): Router {
  const router = uuidIds(Router(), 'unit')
  router.use(BASE, requireService(deps, 'pgb'))
  const customerOf = (res: Response) => res.locals.customer!.id
  const ownUnit = (req: Request, res: Response): Promise<UnitRow> => {
    return generation.unitOf(res.locals.ctx, String(req.params.unit), customerOf(res))
  }
  /** The first delivery day still open for changes: what the customer most likely came for. */
  const nextOpenDay = (res: Response) => {
    const now = deps.clock.now()
    let day = dayOf(now, res.locals.tenant!.settings.timeZone)
    while (gateOf(res.locals.ctx, day) <= now) day = addDays(day, 1)
    return day
  }

  router.get(BASE, async (req, res) => {
    const day = req.query.day ? dayParam(req.query.day) : nextOpenDay(res)
    const units = await generation.unitsOf(res.locals.ctx, customerOf(res))
    const schedules = await generation.schedulesOfDay(
      res.locals.ctx,
      units.map((u) => u.id),
      day,
    )
    res.render('customer/generation/home', {
      day,
      units: units.map((u) => ({ ...u, schedule: schedules.find((s) => s.unit_id === u.id) })),
      gate: gateOf(res.locals.ctx, day),
      closed: deps.clock.now() >= gateOf(res.locals.ctx, day),
      previousDay: addDays(day, -1),
      nextDay: addDays(day, 1),
      settings: generationSettings.of(res.locals.tenant!),
    })
  })

  const editor = async (req: Request, res: Response) => {
    const unit = await ownUnit(req, res)
    const day = dayParam(req.params.day)
    const view = await generation.scheduleOf(res.locals.ctx, unit.id, day)
    return { unit, day, view }
  }

  /**
   * The unit's live availability declarations on the day, and how many intervals of the
   * newest submitted or accepted version are above them (declared after it was approved).
   */
  const declaredOn = async (res: Response, unit: UnitRow, day: string, latest: VersionRow | undefined) => {
    const ctx = res.locals.ctx
    const settings = generationSettings.of(ctx.tenant)
    const delivery = generation.dayOfTenant(ctx, day)
    const declarations = (await generation.availabilityOf(ctx, unit.id, delivery.start, delivery.end)).filter(
      (d) => !d.withdrawn_at,
    )
    const current = latest && ['submitted', 'accepted'].includes(latest.status) ? latest : undefined
    const above = current
      ? aboveAvailability(
          current.values.map(Number),
          limitsOf(
            declarations,
            deliveryDay(day, ctx.tenant.settings.timeZone, current.resolution as Resolution).intervals,
          ),
        ).length
      : 0
    return {
      declarations: declarations.map((d) => ({
        ...d,
        available: Number(d.available_kw) / unitFactor(settings),
      })),
      aboveDeclared: above,
    }
  }

  router.get(`${BASE}/units/:unit/days/:day`, async (req, res) => {
    const { unit, day, view } = await editor(req, res)
    const declared = await declaredOn(res, unit, day, view.latest)
    const source = copySource(day, req.query.copy)
    let values: (number | null)[] | undefined
    if (source) {
      const from = await generation.scheduleOf(res.locals.ctx, unit.id, source)
      const fromValues = from.schedule?.draft ?? from.latest?.values
      if (fromValues) {
        const label = (d: string) =>
          generation.dayOfTenant(res.locals.ctx, d).intervals.map((iv) => intervalLabel('', iv))
        values = copyByLocalTime({ labels: label(source), values: fromValues }, label(day))
      }
    }
    res.render('customer/generation/day', {
      ...editorLocals(res, deps.clock.now(), unit, day, view, { values }),
      ...declared,
      copied: source && values ? source : undefined,
      copyMissing: source && !values ? source : undefined,
      values: {},
    })
  })

  router.post(`${BASE}/units/:unit/days/:day`, async (req, res) => {
    const { unit, day, view } = await editor(req, res)
    const settings = generationSettings.of(res.locals.tenant!)
    const delivery = generation.dayOfTenant(res.locals.ctx, day)
    const approve = formText(req, 'action') !== 'draft'
    const now = deps.clock.now()
    // The page again (only when something is refused): its declarations are read then.
    const page = async (extra: object = {}) => ({
      ...editorLocals(res, now, unit, day, view, { typed: req.body as Record<string, unknown> }),
      ...(await declaredOn(res, unit, day, view.latest)),
      ...extra,
    })
    // Closed (or not active that day): nothing is saved, whatever was posted.
    if (now >= gateOf(res.locals.ctx, day) || !generation.isActiveOn(unit, day))
      throw new ConflictError('schedule closed')
    const grid = readGrid(
      req.body as Record<string, unknown>,
      delivery.intervals.length,
      settings,
      Number(unit.capacity_kw),
      approve,
      Number(unit.charging_kw ?? 0),
    )
    if (grid.errors.length) {
      const locals = await page()
      return renderInvalid(
        res,
        'customer/generation/day',
        gridErrors(res, grid.errors, locals.inputs),
        req.body,
        locals,
      )
    }
    if (!approve) {
      await generation.saveDraft(res.locals.ctx, unit, day, grid.values)
      flash(req, { key: 'generation.day.draftSaved' })
    } else {
      const base = Number(formText(req, 'base'))
      let result: { version: number; changed: boolean }
      try {
        result = await generation.approveSchedule(
          res.locals.ctx,
          unit,
          day,
          grid.values as number[],
          Number.isInteger(base) ? base : -1,
        )
      } catch (err) {
        if (!(err instanceof AvailabilityError)) throw err
        // Above what the unit declared it can give: said beside each such interval.
        const locals = await page()
        const errors = err.intervals.map((e) => ({
          ...e,
          params: {
            limit: res.locals.fmt.number(e.limitKw / unitFactor(settings)),
            unit: settings.unit,
            reason: e.reason,
          },
        }))
        return renderInvalid(
          res,
          'customer/generation/day',
          gridErrors(res, errors, locals.inputs),
          req.body,
          locals,
        )
      }
      flash(req, {
        key: result.changed ? 'generation.day.approved' : 'generation.day.unchanged',
        params: { version: String(result.version) },
      })
    }
    res.redirect(303, `${BASE}/units/${unit.id}/days/${day}`)
  })

  router.get(`${BASE}/units/:unit/days/:day/versions`, async (req, res) => {
    const { unit, day, view } = await editor(req, res)
    if (!view.versions.length) return res.redirect(303, `${BASE}/units/${unit.id}/days/${day}`)
    const pick = (q: unknown, fallback: number) => {
      const n = Number(q)
      return view.versions.find((v) => v.version === n) ?? view.versions.find((v) => v.version === fallback)!
    }
    const newest = view.versions[0]!.version
    const b = pick(req.query.b, newest)
    const a = pick(req.query.a, Math.max(1, b.version - 1))
    res.render('customer/generation/versions', {
      ...editorLocals(res, deps.clock.now(), unit, day, view),
      a,
      b,
      history: await generation.versionHistory(res.locals.ctx, view.versions),
      comments: new Map(
        view.versions.map((v) => [v.id, labelledComments(res.locals.ctx.tenant.settings.timeZone, day, v)]),
      ),
    })
  })

  router.get(`${BASE}/export`, async (req, res) => {
    const from = req.query.from ? dayParam(req.query.from) : nextOpenDay(res)
    const to = req.query.to ? dayParam(req.query.to) : from
    if (to < from || daysBetween(from, to).length > MAX_IMPORT_DAYS) throw new NotFoundError('range')
    const units = await generation.unitsOf(res.locals.ctx, customerOf(res))
    const sheet = await generation.exportSheet(res.locals.ctx, units, from, to)
    const name = `schedules-${from}${to === from ? '' : `-${to}`}`
    await sendSheet(res, sheet, name, req.query.format)
  })

  router.get(`${BASE}/import`, (_req, res) => {
    res.render('customer/generation/import', { values: {} })
  })

  router.post(
    `${BASE}/import`,
    ...acceptUpload(deps, {
      field: 'file',
      allow: ['xlsx', 'csv'],
      maxBytes: 2 * 1024 * 1024,
      required: true,
    }),
    async (req, res) => {
      if (req.upload?.errors.length)
        return renderInvalid(res, 'customer/generation/import', req.upload.errors, req.body, {})
      const file = req.upload!.files[0]!
      const id = await generation.previewImport(res.locals.ctx, customerOf(res), {
        path: file.path,
        originalName: file.originalName,
        kind: file.kind === 'xlsx' ? 'xlsx' : 'csv',
      })
      res.redirect(303, `${BASE}/import/${id}`)
    },
  )

  router.get(`${BASE}/import/:id`, async (req, res) => {
    const preview = await generation.importOf(res.locals.ctx, customerOf(res), String(req.params.id))
    res.render('customer/generation/preview', { preview })
  })

  router.post(`${BASE}/import/:id`, async (req, res) => {
    let saved: number
    try {
      saved = await generation.applyImport(
        res.locals.ctx,
        customerOf(res),
        String(req.params.id),
        formText(req, 'mode') === 'approve' ? 'approve' : 'draft',
      )
    } catch (err) {
      // Nothing was saved: say why and offer the upload again, for a fresh preview.
      if (err instanceof ConflictError)
        return res.status(409).render('customer/generation/import', { values: {}, stale: true })
      throw err
    }
    flash(req, { key: 'generation.import.applied', params: { count: String(saved) } })
    res.redirect(303, BASE)
  })
  return router
}
