import { Router, type Request, type Response } from 'express'
import { z } from 'zod'
import type { Deps } from '../../deps.ts'
import { flash } from '../../http/flash.ts'
import { fieldErrors, renderInvalid } from '../../http/forms.ts'
import { EMPTY_PAGE, filterText, readFilters } from '../../http/filters.ts'
import { PageParam, pagination } from '../../http/lists.ts'
import { uuidIds } from '../../http/params.ts'
import { isUuid } from '../../platform/ids.ts'
import { isRealDay } from '../../platform/time/intervals.ts'
import { requireOperator } from '../operators/index.ts'
import { unitFactor } from './grid.ts'
import type { GenerationServices } from './services.ts'
import { generationSettings } from './settings.ts'
import { TECHNOLOGIES, type UnitInput } from './units.service.ts'

const UnitSearch = z.object({ q: filterText(100) })
const Day = z.string().refine(isRealDay, 'generation.errors.day')
const UnitForm = z
  .object({
    customerEmail: z.email('generation.errors.customer'),
    code: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/, 'generation.errors.code'),
    name: z.string().trim().min(1, 'generation.errors.name').max(200, 'generation.errors.name'),
    technology: z.enum(TECHNOLOGIES, 'generation.errors.technology'),
    capacity: z
      .string()
      .trim()
      .regex(/^\d{1,9}([.,]\d{1,3})?$/, 'generation.errors.capacity')
      .transform((v) => Number(v.replace(',', '.')))
      .refine((v) => v > 0, 'generation.errors.capacity'),
    charging: z
      .string()
      .trim()
      .default('')
      .pipe(z.string().regex(/^(\d{1,9}([.,]\d{1,3})?)?$/, 'generation.errors.charging'))
      .transform((v) => (v ? Number(v.replace(',', '.')) : null))
      .refine((v) => v === null || v > 0, 'generation.errors.charging'),
    connectionPoint: z.string().trim().max(200, 'generation.errors.connectionPoint'),
    activeFrom: Day,
    activeTo: z.string().refine((v) => v === '' || isRealDay(v), 'generation.errors.day'),
  })
  .refine((u) => !u.activeTo || u.activeTo >= u.activeFrom, {
    message: 'generation.errors.activeTo',
    path: ['activeTo'],
  })
  .refine((u) => u.charging === null || u.technology === 'storage', {
    message: 'generation.errors.chargingStorageOnly',
    path: ['charging'],
  })

/** The operators' units: a page of them with the add form, one unit with its schedule history. */
export function unitAdminRoutes(deps: Deps, generation: GenerationServices): Router {
  const router = uuidIds(Router())
  router.use('/admin/generation/units', requireOperator(deps))
  /**
   * A page of units (50, by code; `q` finds a code or name) and what the add form needs;
   * a search that cannot be one (a control character) is shown as such, nothing queried.
   */
  const unitsPage = async (req: Request, res: Response) => {
    const read = readFilters(UnitSearch, req, res)
    const q = read.ok ? (read.data.q ?? '') : ''
    const page = read.ok
      ? await generation.unitList(res.locals.ctx, { page: PageParam.parse(req.query.page), q })
      : EMPTY_PAGE
    return {
      page,
      q: read.ok ? q : typeof req.query.q === 'string' ? req.query.q : '',
      searchErrors: read.ok ? [] : read.errors,
      pagination: pagination(req, page, res.locals.t('generation.units.pages')),
      technologies: TECHNOLOGIES,
      settings: generationSettings.of(res.locals.tenant!),
    }
  }
  const readUnit = async (
    req: Request,
    res: Response,
  ): Promise<UnitInput | { errors: ReturnType<typeof fieldErrors> }> => {
    const form = UnitForm.safeParse(req.body)
    if (!form.success) return { errors: fieldErrors(res, form.error) }
    const owner = await generation.ownerByEmail(res.locals.ctx, form.data.customerEmail)
    if (!owner)
      return {
        errors: [
          {
            field: 'customerEmail',
            text: res.locals.t('generation.errors.customer'),
            href: '#customerEmail',
          },
        ],
      }
    return {
      owner,
      code: form.data.code,
      name: form.data.name,
      technology: form.data.technology,
      capacityKw: form.data.capacity * unitFactor(generationSettings.of(res.locals.tenant!)),
      chargingKw:
        form.data.charging === null
          ? null
          : form.data.charging * unitFactor(generationSettings.of(res.locals.tenant!)),
      connectionPoint: form.data.connectionPoint,
      activeFrom: form.data.activeFrom,
      activeTo: form.data.activeTo || null,
    }
  }

  router.get('/admin/generation/units', async (req, res) => {
    // Linked from an issued PGB enrolment (by its id, not its email, so no address travels in a URL).
    const enrolmentId =
      typeof req.query.enrolment === 'string' && isUuid(req.query.enrolment) ? req.query.enrolment : undefined
    const enrolmentAddress = enrolmentId
      ? await generation.enrolmentEmail(res.locals.ctx, enrolmentId)
      : undefined
    const page = await unitsPage(req, res)
    res.status(page.searchErrors.length ? 422 : 200).render('admin/generation/units', {
      ...page,
      errors: page.searchErrors,
      values: { customerEmail: enrolmentAddress ?? '' },
    })
  })

  router.post('/admin/generation/units', async (req, res) => {
    const input = await readUnit(req, res)
    if ('errors' in input)
      return renderInvalid(res, 'admin/generation/units', input.errors, req.body, await unitsPage(req, res))
    // The list is read only if the form has to be shown again.
    res.locals.formPage = { view: 'admin/generation/units', locals: () => unitsPage(req, res) }
    const id = await generation.saveUnit(res.locals.ctx, null, input)
    flash(req, { key: 'generation.units.saved' })
    res.redirect(303, `/admin/generation/units/${id}`)
  })

  const unitPage = async (req: Request, res: Response) => {
    const unit = await generation.unitOf(res.locals.ctx, String(req.params.id))
    const settings = generationSettings.of(res.locals.tenant!)
    const history = await generation.unitHistory(res.locals.ctx, unit.id, PageParam.parse(req.query.page))
    const ownerEmail = await generation.ownerEmail(res.locals.ctx, unit)
    return {
      unit,
      settings,
      technologies: TECHNOLOGIES,
      history,
      historyPagination: pagination(req, history, res.locals.t('generation.units.historyPages')),
      current: {
        customerEmail: ownerEmail ?? '',
        code: unit.code,
        name: unit.name,
        technology: unit.technology,
        capacity: String(Number(unit.capacity_kw) / unitFactor(settings)),
        charging: unit.charging_kw === null ? '' : String(Number(unit.charging_kw) / unitFactor(settings)),
        connectionPoint: unit.connection_point,
        activeFrom: unit.active_from,
        activeTo: unit.active_to ?? '',
      },
    }
  }

  router.get('/admin/generation/units/:id', async (req, res) => {
    const page = await unitPage(req, res)
    res.render('admin/generation/unit', { ...page, values: page.current })
  })

  router.post('/admin/generation/units/:id', async (req, res) => {
    const page = await unitPage(req, res)
    const input = await readUnit(req, res)
    if ('errors' in input) return renderInvalid(res, 'admin/generation/unit', input.errors, req.body, page)
    res.locals.formPage = { view: 'admin/generation/unit', locals: () => page }
    await generation.saveUnit(res.locals.ctx, page.unit.id, input)
    flash(req, { key: 'generation.units.saved' })
    res.redirect(303, `/admin/generation/units/${page.unit.id}`)
  })
  return router
}
