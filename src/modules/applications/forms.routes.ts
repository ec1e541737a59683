import { Router, type Response } from 'express'
import { z } from 'zod'
import type { Deps } from '../../deps.ts'
import { sendAttachment } from '../../http/download.ts'
import { flash } from '../../http/flash.ts'
import { fieldErrors, renderInvalid, type FieldError } from '../../http/forms.ts'
import { acceptUploads } from '../../http/upload.ts'
import { LOCALES } from '../../platform/i18n/locales.ts'
import { requireOperator } from '../operators/index.ts'
import type { Texts } from './definition.ts'
import { FORM_KINDS } from './forms.service.ts'
import type { ApplicationServices } from './services.ts'

/** The standard forms library (seed 004) for administrators: every version of every form. */
export function formLibraryRoutes(deps: Deps, applications: ApplicationServices): Router {
  const router = Router()
  const Title = z.string().trim().max(200, 'applications.library.errors.title').optional()
  const FormUpload = z.object({
    kind: z.enum(FORM_KINDS, 'applications.library.errors.kind'),
    typeCode: z.string().regex(/^([a-z][a-z0-9]{0,23})?$/, 'applications.library.errors.type'),
    familyId: z.string().optional(),
    title_en: Title,
    title_pl: Title,
    title_ru: Title,
    'title_zh-CN': Title,
  })
  const libraryLocals = async (res: Response) => ({
    families: await applications.formLibrary(res.locals.ctx),
    types: await applications.listTypes(res.locals.ctx),
    kinds: FORM_KINDS,
  })
  router.use('/admin/standard-forms', requireOperator(deps, 'admin'))
  router.get('/admin/standard-forms', async (_req, res) => {
    res.render('admin/applications/library', { ...(await libraryLocals(res)), values: {} })
  })
  router.post(
    '/admin/standard-forms',
    ...acceptUploads(deps, [
      { field: 'file', allow: ['pdf', 'docx', 'xlsx'], maxBytes: 20 * 1024 * 1024, required: true },
    ]),
    async (req, res) => {
      const form = FormUpload.safeParse(req.body)
      const errors: FieldError[] = form.success ? [] : fieldErrors(res, form.error)
      const title: Texts = {}
      if (form.success)
        for (const l of LOCALES) {
          const text = form.data[`title_${l}`]
          if (text) title[l] = text
        }
      const family = form.success && form.data.familyId ? form.data.familyId : null
      if (!family && form.success && !Object.keys(title).length)
        errors.push({
          field: 'title_en',
          text: res.locals.t('applications.library.errors.title'),
          href: '#title_en',
        })
      errors.push(...(req.upload?.errors ?? []))
      if (errors.length || !form.success)
        return renderInvalid(res, 'admin/applications/library', errors, req.body, await libraryLocals(res))
      await applications.uploadForm(
        res.locals.ctx,
        { kind: form.data.kind, typeCode: form.data.typeCode || null, title, familyId: family },
        req.upload!.files[0]!,
      )
      flash(req, { key: 'applications.library.uploaded' })
      res.redirect(303, '/admin/standard-forms')
    },
  )
  router.get('/admin/standard-forms/:id', async (req, res) => {
    const file = await applications.formFile(res.locals.ctx, String(req.params.id))
    await sendAttachment(res, file, deps.files.read(file.storageKey))
  })
  return router
}
