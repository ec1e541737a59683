import type { Deps } from '../../deps.ts'
import { bindServices } from '../../platform/services.ts'
import { applyStaffAction, customerForStaff } from './admin.service.ts'
import { confirmEmailChange, requestEmailChange } from './email.service.ts'
import {
  authenticate,
  changePassword,
  endOtherSessions,
  requestPasswordReset,
  resetLinkIsUsable,
  resetPassword,
} from './password.service.ts'
import { updateProfile } from './profile.service.ts'
import {
  checkCustomerSecondFactor,
  enrolTwoStep,
  renewRecoveryCodes,
  turnOffTwoStep,
  twoStepStatus,
} from './two-step.service.ts'
import {
  confirmEmail,
  registerWithConfirmation,
  registerWithEmailedPassword,
  resendConfirmation,
} from './registration.service.ts'

/** The accounts module's services, built once when the app is assembled; handlers call them with the request context first. */
export function createAccountServices(deps: Deps) {
  return bindServices(deps, {
    applyStaffAction,
    authenticate,
    changePassword,
    checkCustomerSecondFactor,
    confirmEmail,
    confirmEmailChange,
    customerForStaff,
    endOtherSessions,
    enrolTwoStep,
    renewRecoveryCodes,
    registerWithConfirmation,
    registerWithEmailedPassword,
    requestEmailChange,
    requestPasswordReset,
    resendConfirmation,
    resetLinkIsUsable,
    resetPassword,
    turnOffTwoStep,
    twoStepStatus,
    updateProfile,
  })
}

export type AccountServices = ReturnType<typeof createAccountServices>
