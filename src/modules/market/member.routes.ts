import { Router } from 'express'
import type { Deps } from '../../deps.ts'
import { partsOf } from './rules.ts'
import type { MarketServices } from './services.ts'

/** An approved member's page of the market service: who they are registered as, and since when. */
export function memberRoutes(_deps: Deps, market: MarketServices): Router {
  const router = Router()
  router.get('/services/market', async (_req, res) => {
    const registration = await market.registrationOf(res.locals.ctx, res.locals.customer!.id)
    // Given the service by staff without registering: the registration is where to begin.
    if (!registration) return res.redirect(303, '/services/market/registration')
    res.render('customer/market/member', { registration, parts: partsOf(registration.member.member_type) })
  })
  return router
}
