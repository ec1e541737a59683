import { Router } from 'express'

/** The tenant's public home page and its brand stylesheet. */
export function tenantRoutes(): Router {
  const router = Router()
  router.get('/', (_req, res) => {
    const tenant = res.locals.tenant
    if (!tenant) throw new Error('tenant middleware must run first')
    res.render('customer/tenants/home', { services: tenant.settings.enabledServices })
  })
  // A stylesheet rather than an inline style, so the CSP needs no 'unsafe-inline'.
  // The colour is validated (#rrggbb) when settings are saved and again when read.
  router.get('/tenant.css', (_req, res) => {
    const colour = res.locals.tenant?.settings.branding.primaryColour ?? '#1d70b8'
    res.type('text/css').set('Cache-Control', 'public, max-age=300').send(`:root{--kb-brand:${colour}}\n`)
  })
  return router
}
