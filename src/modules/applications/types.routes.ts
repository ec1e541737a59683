import { Router, type Response } from 'express'
import { z } from 'zod'
import type { Deps } from '../../deps.ts'
import { flash } from '../../http/flash.ts'
import { fieldErrors, renderInvalid } from '../../http/forms.ts'
import { NotFoundError } from '../../platform/errors.ts'
import { LOCALES } from '../../platform/i18n/locales.ts'
import { requireOperator } from '../operators/index.ts'
import { DOCUMENT_KINDS, FIELD_KINDS, TypeDefinition, type Texts } from './definition.ts'
import type { ApplicationServices } from './services.ts'
import { formBody } from './pages.ts'
import { WORKFLOWS } from './workflows.ts'
import { DEADLINE_STEPS } from './deadlines.ts'
import { AUDIENCES } from './definition.ts'

const Code = z.string().regex(/^[a-z][a-z0-9]{0,23}$/, 'applications.types.errors.code')
const str = (v: unknown) => (typeof v === 'string' ? v : '')
const texts = (body: Record<string, unknown>, prefix: string): Texts =>
  Object.fromEntries(LOCALES.map((l) => [l, str(body[l === 'en' ? prefix : `${prefix}-${l}`])]))
const number = (v: unknown) => {
  const s = str(v).trim().replace(',', '.')
  if (!s) return undefined
  return /^-?\d{1,9}(\.\d{1,6})?$/.test(s) ? Number(s) : NaN
}
const lines = (v: unknown) =>
  str(v)
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)

/**
 * The type editor's form → a type definition to validate. Rows are numbered; a row with
 * an empty code is the blank one for adding, and a ticked "remove" drops a row.
 */
export function definitionFromForm(body: Record<string, unknown>) {
  const rows = (prefix: string) =>
    [
      ...new Set(
        Object.keys(body).flatMap((k) => new RegExp(`^${prefix}-(\\d{1,2})-code$`).exec(k)?.[1] ?? []),
      ),
    ]
      .map(Number)
      .sort((a, b) => a - b)
      .filter((i) => str(body[`${prefix}-${i}-code`]).trim() && body[`${prefix}-${i}-remove`] !== 'yes')
  return {
    name: texts(body, 'name'),
    description: texts(body, 'description'),
    info: texts(body, 'info'),
    prefix: str(body.prefix).trim(),
    workflow: str(body.workflow),
    audience: str(body.audience) || 'all',
    customerConfirms: body.customerConfirms === 'yes',
    reviewDays: number(body.reviewDays) ?? NaN,
    active: body.active === 'yes',
    fields: rows('fields').map((i) => {
      const f = (name: string) => body[`fields-${i}-${name}`]
      const options = lines(f('options')).map((line) => {
        const [code = '', ...labels] = line.split('|').map((x) => x.trim())
        return { code, label: Object.fromEntries(LOCALES.map((l, j) => [l, labels[j] ?? ''])) }
      })
      return {
        code: str(f('code')).trim(),
        kind: str(f('kind')),
        required: f('required') === 'yes',
        label: texts(body, `fields-${i}-label`),
        unit: str(f('unit')).trim() || undefined,
        min: number(f('min')),
        max: number(f('max')),
        options: options.length ? options : undefined,
      }
    }),
    deadlines: Object.fromEntries(
      DEADLINE_STEPS.flatMap((step) => {
        const days = number(body[`deadlines-${step}-days`])
        return days === undefined
          ? []
          : [[step, { days, kind: body[`deadlines-${step}-kind`] === 'calendar' ? 'calendar' : 'working' }]]
      }),
    ),
    documents: rows('documents').map((i) => {
      const kinds = body[`documents-${i}-kinds`]
      return {
        code: str(body[`documents-${i}-code`]).trim(),
        label: texts(body, `documents-${i}-label`),
        required: body[`documents-${i}-required`] === 'yes',
        kinds: (Array.isArray(kinds) ? kinds : kinds ? [kinds] : []).map(str),
      }
    }),
  }
}

/** A stored definition as the editor's form values (the same names definitionFromForm reads). */
function formOf(definition: TypeDefinition): Record<string, unknown> {
  const v: Record<string, unknown> = {
    prefix: definition.prefix,
    workflow: definition.workflow,
    audience: definition.audience,
    customerConfirms: definition.customerConfirms ? 'yes' : '',
    reviewDays: String(definition.reviewDays),
    active: definition.active ? 'yes' : '',
  }
  for (const step of DEADLINE_STEPS) {
    const deadline = definition.deadlines[step]
    v[`deadlines-${step}-days`] = deadline ? String(deadline.days) : ''
    v[`deadlines-${step}-kind`] = deadline?.kind ?? 'working'
  }
  const put = (prefix: string, t: Texts) => {
    for (const l of LOCALES) v[l === 'en' ? prefix : `${prefix}-${l}`] = t[l] ?? ''
  }
  put('name', definition.name)
  put('description', definition.description)
  put('info', definition.info)
  definition.fields.forEach((f, i) => {
    v[`fields-${i}-code`] = f.code
    v[`fields-${i}-kind`] = f.kind
    v[`fields-${i}-required`] = f.required ? 'yes' : ''
    put(`fields-${i}-label`, f.label)
    v[`fields-${i}-unit`] = f.unit ?? ''
    v[`fields-${i}-min`] = f.min === undefined ? '' : String(f.min)
    v[`fields-${i}-max`] = f.max === undefined ? '' : String(f.max)
    v[`fields-${i}-options`] = (f.options ?? [])
      .map((o) => [o.code, ...LOCALES.map((l) => o.label[l] ?? '')].join(' | '))
      .join('\n')
  })
  definition.documents.forEach((d, i) => {
    v[`documents-${i}-code`] = d.code
    v[`documents-${i}-required`] = d.required ? 'yes' : ''
    v[`documents-${i}-kinds`] = d.kinds
    put(`documents-${i}-label`, d.label)
  })
  return v
}

const rowCount = (values: Record<string, unknown>, prefix: string) =>
  Object.keys(values).filter((k) => new RegExp(`^${prefix}-\\d{1,2}-code$`).test(k)).length

/** Administrators' editor of application types: every save that changes something is a new version. */
export function typeAdminRoutes(deps: Deps, applications: ApplicationServices): Router {
  const router = Router()
  const BASE = '/admin/application-types'
  router.use(BASE, requireOperator(deps, 'admin'))

  const editLocals = async (res: Response, code: string, values: Record<string, unknown>) => ({
    code,
    versions: await applications.typeVersions(res.locals.ctx, code),
    fieldKinds: FIELD_KINDS,
    documentKinds: DOCUMENT_KINDS,
    workflows: Object.keys(WORKFLOWS),
    audiences: AUDIENCES,
    deadlineSteps: DEADLINE_STEPS,
    locales: LOCALES,
    // Every row shown plus one blank row to add another.
    fieldRows: rowCount(values, 'fields') + 1,
    documentRows: rowCount(values, 'documents') + 1,
  })

  router.get(BASE, async (_req, res) => {
    res.render('admin/applications/types', {
      types: await applications.listTypes(res.locals.ctx),
      values: {},
    })
  })

  router.post(BASE, async (req, res) => {
    const body = formBody(req)
    const code = Code.safeParse(str(body.code).trim())
    if (!code.success)
      return renderInvalid(
        res,
        'admin/applications/types',
        fieldErrors(res, code.error).map((e) => ({ ...e, field: 'code', href: '#code' })),
        req.body,
        {
          types: await applications.listTypes(res.locals.ctx),
        },
      )
    res.locals.formPage = {
      view: 'admin/applications/types',
      locals: async () => ({ types: await applications.listTypes(res.locals.ctx) }),
    }
    // A new type starts inactive with placeholder texts, so it is never offered half-made.
    await applications.saveTypeVersion(
      res.locals.ctx,
      code.data,
      {
        name: { [res.locals.tenant!.settings.defaultLocale]: code.data },
        description: {},
        info: {},
        prefix:
          code.data
            .slice(0, 4)
            .toUpperCase()
            .replace(/[^A-Z]/g, '') || 'A',
        workflow: 'short',
        reviewDays: 15,
        active: false,
        fields: [],
        documents: [],
      },
      { creating: true },
    )
    res.redirect(303, `${BASE}/${code.data}`)
  })

  router.get(`${BASE}/:code`, async (req, res) => {
    const code = String(req.params.code)
    const versions = Code.safeParse(code).success ? await applications.typeVersions(res.locals.ctx, code) : []
    if (!versions.length) throw new NotFoundError('application type')
    const values = formOf(versions[0]!.definition)
    res.render('admin/applications/type', { ...(await editLocals(res, code, values)), values })
  })

  router.post(`${BASE}/:code`, async (req, res) => {
    const code = String(req.params.code)
    const versions = Code.safeParse(code).success ? await applications.typeVersions(res.locals.ctx, code) : []
    if (!versions.length) throw new NotFoundError('application type')
    const body = formBody(req)
    const parsed = TypeDefinition.safeParse(definitionFromForm(body))
    if (!parsed.success)
      return renderInvalid(
        res,
        'admin/applications/type',
        fieldErrors(res, parsed.error),
        body,
        await editLocals(res, code, body),
      )
    const saved = await applications.saveTypeVersion(res.locals.ctx, code, parsed.data)
    flash(req, {
      key: saved.changed ? 'applications.types.saved' : 'applications.types.unchanged',
      params: { version: String(saved.version) },
    })
    res.redirect(303, `${BASE}/${code}`)
  })
  return router
}
