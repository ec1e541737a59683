import { Router } from 'express'
import type { Deps } from '../../deps.ts'
import { renderInvalid } from '../../http/forms.ts'
import { PageParam, pagination } from '../../http/lists.ts'
import { uuidIds } from '../../http/params.ts'
import { acceptUploads } from '../../http/upload.ts'
import { requireOperator } from '../operators/index.ts'
import type { ReadingsServices } from './services.ts'
import { importTopic } from './imports.service.ts'

const BASE = '/admin/readings/imports'
/** 80020 files or ZIP archives of them (a day of 10,000 points is about 140 MB); the request's cap applies. */
const FILES = {
  field: 'files',
  allow: ['xml', 'zip'],
  maxBytes: 200 * 1024 * 1024,
  maxFiles: 50,
  required: true,
} as const

/**
 * Bulk ingest for staff (item 12): upload many 80020 files at once, then watch the
 * import's progress on its page (live, with the numbers in the page for those without
 * script); the list shows every import with its outcome.
 */
export function importRoutes(deps: Deps, readings: ReadingsServices): Router {
  const router = uuidIds(Router())
  router.use(BASE, requireOperator(deps))
  const listPage = async (
    req: Parameters<Parameters<Router['get']>[1]>[0],
    res: Parameters<Parameters<Router['get']>[1]>[1],
  ) => {
    const page = await readings.importList(res.locals.ctx, PageParam.parse(req.query.page))
    return { page, pagination: pagination(req, page, res.locals.t('readings.imports.pages')) }
  }

  router.get(BASE, async (req, res) => {
    res.render('admin/readings/imports', { ...(await listPage(req, res)), values: {} })
  })

  router.post(BASE, ...acceptUploads(deps, [FILES]), async (req, res) => {
    const upload = req.upload!
    if (upload.errors.length)
      return renderInvalid(res, 'admin/readings/imports', upload.errors, {}, await listPage(req, res))
    const id = await readings.queueImport(res.locals.ctx, upload.files)
    res.redirect(303, `${BASE}/${id}`)
  })

  router.get(`${BASE}/:id`, async (req, res) => {
    res.render('admin/readings/import', await readings.importPage(res.locals.ctx, String(req.params.id)))
  })

  router.get(
    `${BASE}/:id/live`,
    deps.live.stream({
      async topic(req, res) {
        await readings.importOf(res.locals.ctx, String(req.params.id))
        return importTopic(String(req.params.id))
      },
    }),
  )
  return router
}
