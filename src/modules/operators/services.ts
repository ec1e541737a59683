import type { Deps } from '../../deps.ts'
import { bindServices } from '../../platform/services.ts'
import {
  changeOperator,
  checkOperatorPassword,
  checkSecondFactor,
  enrolTotp,
  inviteOperator,
  operatorById,
  setPasswordFromLink,
  setPasswordLinkIsUsable,
} from './service.ts'

/** The operators module's services, built once when the app is assembled; handlers call them with the request context first. */
export function createOperatorServices(deps: Deps) {
  return bindServices(deps, {
    changeOperator,
    checkOperatorPassword,
    checkSecondFactor,
    enrolTotp,
    inviteOperator,
    operatorById,
    setPasswordFromLink,
    setPasswordLinkIsUsable,
  })
}

export type OperatorServices = ReturnType<typeof createOperatorServices>
