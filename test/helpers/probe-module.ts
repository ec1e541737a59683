import path from 'node:path'
import { Router } from 'express'
import type { Deps } from '../../src/deps.ts'
import type { KabinetModule } from '../../src/module.ts'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { randomUUID } from 'node:crypto'
import { attachmentDownload, sendAttachment } from '../../src/http/download.ts'
import { attachFiles } from '../../src/platform/files/attachments.ts'
import {
  ConflictError,
  ForbiddenError,
  InvalidFieldError,
  NotFoundError,
  TooManyRequestsError,
} from '../../src/platform/errors.ts'
import { rateLimit, byIp, createLimiter } from '../../src/http/rate-limit.ts'
import { acceptUpload, acceptUploads } from '../../src/http/upload.ts'
import { findFile, saveFile } from '../../src/platform/files/index.ts'

/**
 * A small feature module used only by tests: a form, an upload, a download, a failing
 * route and a rate-limited route, all mounted through the same createApp() as real
 * modules, so the platform middleware around them is the real one.
 */
function probeRoutes(deps: Deps): Router {
  const router = Router()
  const limiter = createLimiter(deps.pool, { keyPrefix: 'probe', points: 3, durationSeconds: 60 })
  router.get('/probe/form', (_req, res) => {
    res
      .type('html')
      .send(`<form method="post"><input type="hidden" name="_csrf" value="${res.locals.csrfToken()}"></form>`)
  })
  router.post('/probe/form', (_req, res) => {
    res.redirect(303, '/probe/form')
  })
  router.post(
    '/probe/upload',
    ...acceptUpload(deps, {
      field: 'scan',
      allow: ['pdf', 'png'],
      maxBytes: 64 * 1024,
      maxFiles: 2,
      required: true,
    }),
    async (req, res) => {
      const upload = req.upload!
      if (upload.errors.length) return res.status(422).json({ errors: upload.errors })
      const ids = await withTenant(deps.db, res.locals.ctx.tenant.id, async (trx) => {
        const out: string[] = []
        for (const f of upload.files) out.push((await saveFile(trx, deps.files, res.locals.ctx, f)).id)
        return out
      })
      res.status(201).json({ ids })
    },
  )
  // Several file fields in one form, each with its own limits, attached to an owner row.
  router.post(
    '/probe/documents/:owner',
    ...acceptUploads(deps, [
      { field: 'scan', allow: ['pdf', 'png'], maxBytes: 64 * 1024, maxFiles: 2, required: true },
      { field: 'photo', allow: ['png'], maxBytes: 1024 },
    ]),
    async (req, res) => {
      const upload = req.upload!
      if (upload.errors.length) return res.status(422).json({ errors: upload.errors })
      const owner = { type: req.params.owner === 'secret' ? 'secret' : 'probe', id: randomUUID() }
      const attached = await withTenant(deps.db, res.locals.ctx.tenant.id, (trx) =>
        attachFiles(trx, deps.files, res.locals.ctx, owner, upload.files),
      )
      res
        .status(201)
        .json({ owner, attachments: attached.map((a) => ({ id: a.attachmentId, field: a.field })) })
    },
  )
  router.get(
    '/probe/attachments/:attachmentId',
    attachmentDownload(deps, (_ctx, attachment) => attachment.owner.type === 'probe'),
  )
  router.get('/probe/files/:id', async (req, res) => {
    const file = await withTenant(deps.db, res.locals.ctx.tenant.id, (trx) => findFile(trx, req.params.id))
    if (!file) throw new NotFoundError('no such file')
    await sendAttachment(res, file, deps.files.read(file.storageKey))
  })
  // One route per domain error, the way a service would throw them.
  router.post('/probe/domain/:kind', (req) => {
    if (req.params.kind === 'forbidden') throw new ForbiddenError('not yours')
    if (req.params.kind === 'conflict') throw new ConflictError('changed meanwhile')
    throw new NotFoundError('nothing here')
  })
  router.post('/probe/field', (_req, res) => {
    res.locals.formPage = { view: 'admin/operators/list', locals: () => ({ operators: [] }) }
    throw new InvalidFieldError('email', 'admin.errors.operatorExists')
  })
  // Pages whose module forgot a guard: the areas they sit in are closed by default.
  router.get('/admin/probe-unguarded', (_req, res) => {
    res.send('staff secrets')
  })
  router.get('/account/probe-unguarded', (_req, res) => {
    res.send('customer secrets')
  })
  router.get('/probe/throttled/:seconds', (req) => {
    throw new TooManyRequestsError(Number(req.params.seconds))
  })
  router.get('/probe/boom', () => {
    throw new Error('kaboom: secret internals')
  })
  // A live topic anyone may follow, except "secret".
  router.get(
    '/probe/live/:topic',
    deps.live.stream({
      topic: (req) => {
        if (req.params.topic === 'secret') throw new ForbiddenError('not yours')
        return `probe:${String(req.params.topic)}`
      },
    }),
  )
  router.get('/probe/limited', rateLimit(limiter, byIp), (_req, res) => {
    res.send('ok')
  })
  return router
}

/** Plugs in like a feature module: its routes, a staff page in the navigation, its own catalogue. */
export const probeModule: KabinetModule = {
  name: 'probe',
  catalogues: path.join(import.meta.dirname, 'probe-locales'),
  adminNav: [{ href: '/admin/probe', label: 'probe.nav' }],
  routes: (deps) =>
    Router()
      .use(probeRoutes(deps))
      .get('/admin/probe', (_req, res) => {
        res.type('html').send(`<h1>${res.locals.t('probe.title')}</h1>`)
      })
      // A customer service page with no guard of its own: closed by the platform's default.
      .get('/services/probe', (_req, res) => {
        res.type('html').send(`<h1>${res.locals.t('probe.title')}</h1>`)
      }),
}
