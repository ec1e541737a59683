import path from 'node:path'
import { Router } from 'express'
import type { KabinetModule } from '../../module.ts'
import { resolveActing } from './acting.ts'
import { organisationAdminRoutes } from './admin.routes.ts'
import { seedOrganisationsDemo } from './demo.ts'
import { grantRoutes } from './grants.routes.ts'
import { createGrantServices } from './grants.service.ts'
import { organisationRoutes } from './routes.ts'
import { createOrganisationServices } from './service.ts'

/**
 * Organisations and representation (issue 21): colleagues of an account with roles and
 * permissions per service, invitations, and a switcher for people who act for several
 * accounts. Ownership stays with the account (the customer id every module keeps).
 */
export const organisationsModule: KabinetModule = {
  name: 'organisations',
  owns: { tables: ['account_members', 'account_invitations', 'representation_grants', 'acting_choices'] },
  catalogues: path.join(import.meta.dirname, 'locales'),
  afterSignIn: (deps) => resolveActing(createOrganisationServices(deps)),
  demo: seedOrganisationsDemo,
  // What an account is written about a service reaches the colleagues whose role covers it.
  subscribe(deps) {
    const orgs = createOrganisationServices(deps)
    deps.events.on('customer.mailed', 'organisations', async (trx, _ctx, mailed) => {
      for (const reader of await orgs.readersOf(trx, mailed.customerId, mailed.service))
        await mailed.copy(reader)
    })
    // A sign-in starts acting for the account the person chose last, if they still may.
    deps.events.on('customer.signingIn', 'organisations', async (trx, ctx, { customerId, keep }) => {
      const accountId = await orgs.chosen(trx, ctx.tenant.id, customerId)
      if (accountId) keep({ actingFor: accountId })
    })
  },
  routes(deps) {
    const orgs = createOrganisationServices(deps)
    const grants = createGrantServices(deps)
    return Router().use(
      organisationRoutes(deps, orgs),
      grantRoutes(deps, grants),
      organisationAdminRoutes(orgs, grants),
    )
  },
}

/** Whom a person may act for, for the API's tokens (a token acts with its creator's standing). */
export { createOrganisationServices, type OrganisationServices } from './service.ts'
