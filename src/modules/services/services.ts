import type { Deps } from '../../deps.ts'
import { bindServices } from '../../platform/services.ts'
import { accessRequestForStaff, changeCustomerService, requestAccess, servicesOf } from './access.service.ts'
import { enrolmentForStaff, issueEnrolment, reissue, revoke } from './enrolment.service.ts'
import { checkToken, redeemForCustomer, redeemWithNewAccount } from './redemption.service.ts'

/** The services module's services, built once when the app is assembled; handlers call them with the request context first. */
export function createServiceServices(deps: Deps) {
  return bindServices(deps, {
    accessRequestForStaff,
    changeCustomerService,
    checkToken,
    enrolmentForStaff,
    issueEnrolment,
    redeemForCustomer,
    redeemWithNewAccount,
    reissue,
    requestAccess,
    revoke,
    servicesOf,
  })
}

export type ServiceServices = ReturnType<typeof createServiceServices>
