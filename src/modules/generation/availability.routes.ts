import { Router, type Request, type Response } from 'express'
import type { Deps } from '../../deps.ts'
import { flash } from '../../http/flash.ts'
import { formText, renderInvalid, type FieldError } from '../../http/forms.ts'
import { uuidIds } from '../../http/params.ts'
import { InvalidFieldError } from '../../platform/errors.ts'
import { MULTI_LINE, CONTROL_CHARACTERS } from '../../platform/text.ts'
import {
  addDays,
  dayOf,
  deliveryDay,
  localDateTimeValue,
  parseLocalDateTime,
} from '../../platform/time/intervals.ts'
import { MAX_REASON, type DeclarationInput } from './availability.service.ts'
import { dayParam } from './customer.routes.ts'
import { readValue, unitFactor } from './grid.ts'
import type { GenerationServices } from './services.ts'
import { generationSettings } from './settings.ts'

const BASE = '/services/pgb/units/:unit/availability'
/** How far ahead of its day the availability page lists declarations. */
const LIST_DAYS = 31

/**
 * A unit's declared availability (issue 17 item 21): planned or forced unavailability and
 * the most the unit can give, per period, with a reason; checked when a day is approved.
 * The PGB guard in front of /services/pgb covers these routes too.
 */
export function availabilityRoutes(deps: Deps, generation: GenerationServices): Router {
  const router = uuidIds(Router(), 'unit', 'id')
  const zone = (res: Response) => res.locals.ctx.tenant.settings.timeZone
  const ownUnit = (req: Request, res: Response) =>
    generation.unitOf(res.locals.ctx, String(req.params.unit), res.locals.customer!.id)

  const page = async (req: Request, res: Response, values?: Record<string, unknown>) => {
    const unit = await ownUnit(req, res)
    const settings = generationSettings.of(res.locals.ctx.tenant)
    const day = req.query.day ? dayParam(req.query.day) : dayOf(deps.clock.now(), zone(res))
    const from = deliveryDay(day, zone(res), 60).start
    const to = deliveryDay(addDays(day, LIST_DAYS), zone(res), 60).start
    const declarations = await generation.availabilityOf(res.locals.ctx, unit.id, from, to)
    const now = deps.clock.now()
    return {
      unit,
      day,
      settings,
      declarations: declarations.map((d) => ({
        ...d,
        available: Number(d.available_kw) / unitFactor(settings),
        withdrawable: !d.withdrawn_at && d.ends_at > now,
      })),
      values: values ?? {
        from: localDateTimeValue(deliveryDay(day, zone(res), 60).start, zone(res)),
        to: localDateTimeValue(deliveryDay(addDays(day, 1), zone(res), 60).start, zone(res)),
        available: '0',
      },
    }
  }

  router.get(BASE, async (req, res) => {
    res.render('customer/generation/availability', await page(req, res))
  })

  /** The form as a declaration, or its fields' problems. */
  const read = (req: Request, res: Response, capacityKw: number) => {
    const errors: { field: string; key: string }[] = []
    const from = parseLocalDateTime(formText(req, 'from'), zone(res))
    const to = parseLocalDateTime(formText(req, 'to'), zone(res))
    if (!from) errors.push({ field: 'from', key: 'generation.availability.errors.moment' })
    if (!to) errors.push({ field: 'to', key: 'generation.availability.errors.moment' })
    const settings = generationSettings.of(res.locals.ctx.tenant)
    const available = readValue(formText(req, 'available'), settings, capacityKw)
    if ('error' in available)
      errors.push({ field: 'available', key: `generation.availability.errors.available` })
    const reason = formText(req, 'reason').trim()
    if (!reason) errors.push({ field: 'reason', key: 'generation.availability.errors.reason' })
    else if (!MULTI_LINE.test(reason)) errors.push({ field: 'reason', key: CONTROL_CHARACTERS })
    else if (reason.length > MAX_REASON)
      errors.push({ field: 'reason', key: 'generation.availability.errors.reasonLong' })
    if (errors.length || !from || !to || 'error' in available) return { errors }
    const input: DeclarationInput = { from, to, availableKw: available.kw, reason }
    return { input }
  }

  router.post(BASE, async (req, res) => {
    const unit = await ownUnit(req, res)
    const t = res.locals.t
    const invalid = async (list: { field: string; key: string }[]) => {
      const errors: FieldError[] = list.map((e) => ({
        field: e.field,
        text: t(e.key, {
          capacity: res.locals.fmt.number(
            Number(unit.capacity_kw) / unitFactor(generationSettings.of(res.locals.ctx.tenant)),
          ),
        }),
        href: `#${e.field}`,
      }))
      const typed = req.body as Record<string, unknown>
      renderInvalid(res, 'customer/generation/availability', errors, typed, await page(req, res, typed))
    }
    const form = read(req, res, Number(unit.capacity_kw))
    if (!form.input) return invalid(form.errors)
    try {
      await generation.declareAvailability(res.locals.ctx, unit, form.input)
    } catch (err) {
      if (err instanceof InvalidFieldError) return invalid([{ field: err.field, key: err.key }])
      throw err
    }
    flash(req, { key: 'generation.availability.declared' })
    res.redirect(303, `/services/pgb/units/${unit.id}/availability?day=${dayOf(form.input.from, zone(res))}`)
  })

  router.post(`${BASE}/:id/withdraw`, async (req, res) => {
    const unit = await ownUnit(req, res)
    await generation.withdrawAvailability(res.locals.ctx, unit, String(req.params.id))
    flash(req, { key: 'generation.availability.withdrawn' })
    const day = req.query.day ? dayParam(req.query.day) : dayOf(deps.clock.now(), zone(res))
    res.redirect(303, `/services/pgb/units/${unit.id}/availability?day=${day}`)
  })

  return router
}
