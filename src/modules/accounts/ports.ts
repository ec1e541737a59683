import type { RequestContext } from '../../platform/context.ts'
import type { CustomerRow } from './repo.ts'

/**
 * What accounts needs to know about a customer's services, provided by the services
 * module when the app is assembled (app.ts), so accounts does not depend on services.
 */
export interface CustomerServices {
  servicesOf(ctx: RequestContext, customerId: string): Promise<string[]>
  /** Where a customer lands after signing in. */
  landingPath(ctx: RequestContext, customer: CustomerRow): Promise<string>
}
