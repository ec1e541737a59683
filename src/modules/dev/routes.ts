import { Router, type RequestHandler } from 'express'
import type { Knex } from 'knex'
import { withTenant } from '../../db/tenant-scope.ts'
import { listTenants } from '../../platform/tenancy/repo.ts'

/**
 * Development only (never mounted in production): the list of demo portals on plain
 * localhost, and each tenant's mailbox of what it would have emailed.
 */
export function devIndexRoutes(db: Knex, locale: RequestHandler): Router {
  const router = Router()
  const onLocalhost: RequestHandler = (req, _res, next) =>
    ['localhost', '127.0.0.1'].includes(req.hostname) ? next() : next('router')
  router.get('/', onLocalhost, locale, async (_req, res) => {
    res.render('dev/tenants', { tenants: await listTenants(db) })
  })
  return router
}

const URL_IN_TEXT = /https?:\/\/[^\s<>"']+/g

export function devMailboxRoutes(db: Knex): Router {
  const router = Router()
  router.get('/dev/mailbox', async (_req, res) => {
    const tenant = res.locals.tenant
    if (!tenant) throw new Error('tenant middleware must run first')
    const rows = await withTenant(db, tenant.id, (trx) =>
      trx('outbox')
        .orderBy('created_at', 'desc')
        .limit(50)
        .select<
          { id: string; to_address: string; subject: string; text_body: string; sent_at: Date | null }[]
        >('id', 'to_address', 'subject', 'text_body', 'sent_at'),
    )
    res.set('Cache-Control', 'no-store')
    res.render('dev/mailbox', {
      messages: rows.map((m) => ({ ...m, links: [...new Set(m.text_body.match(URL_IN_TEXT) ?? [])] })),
    })
  })
  return router
}
