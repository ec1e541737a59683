import type { Deps } from '../../deps.ts'
import { withTenant } from '../../db/tenant-scope.ts'
import type { RequestContext } from '../../platform/context.ts'
import { NotFoundError } from '../../platform/errors.ts'
import { bindServices } from '../../platform/services.ts'
import { customerContact } from '../accounts/index.ts'
import { createToken, listTokens, revokeApiToken, type TokensDeps } from './tokens.service.ts'
import {
  createEndpoint,
  deleteEndpoint,
  endpointLog,
  endpointsOf,
  sendTestEvent,
} from './webhooks.service.ts'

/** A customer of this tenant as staff see it on the tokens page; anything else is not found. */
async function customerForStaff(deps: TokensDeps, ctx: RequestContext, id: string) {
  const contact = await withTenant(deps.db, ctx.tenant.id, (trx) => customerContact(trx, id))
  if (!contact) throw new NotFoundError('customer')
  return { id, ...contact }
}

export function createApiServices(deps: Deps) {
  return bindServices(deps, {
    createEndpoint,
    createToken,
    customerForStaff,
    deleteEndpoint,
    endpointLog,
    endpointsOf,
    listTokens,
    revokeApiToken,
    sendTestEvent,
  })
}

export type ApiServices = ReturnType<typeof createApiServices>
