import type { Deps } from '../../deps.ts'
import { bindServices } from '../../platform/services.ts'
import {
  addAttachments,
  chooseType,
  completeRegistration,
  registrationOf,
  removeAttachment,
  savePart,
} from './registration.service.ts'
import { bindingForStaff, bindingQueue, decideBinding } from './bindings-review.service.ts'
import {
  bindingFor,
  bindingsOf,
  createBinding,
  endBinding,
  powerUserToBind,
  respondToBinding,
  searchPowerUsers,
  submitBinding,
} from './bindings.service.ts'
import { decideRegistration, registrationForStaff, registrationQueue } from './review.service.ts'
import {
  addConsumptionUnits,
  addGeneratingUnit,
  addUnitDocuments,
  removeUnit,
  removeUnitDocument,
} from './units.service.ts'

/** The market module's services, built once when the app is assembled. */
export function createMarketServices(deps: Deps) {
  return bindServices(deps, {
    addAttachments,
    addConsumptionUnits,
    addGeneratingUnit,
    addUnitDocuments,
    bindingFor,
    bindingForStaff,
    bindingQueue,
    bindingsOf,
    chooseType,
    createBinding,
    decideBinding,
    endBinding,
    powerUserToBind,
    respondToBinding,
    searchPowerUsers,
    submitBinding,
    completeRegistration,
    decideRegistration,
    registrationForStaff,
    registrationOf,
    registrationQueue,
    removeAttachment,
    removeUnit,
    removeUnitDocument,
    savePart,
  })
}

export type MarketServices = ReturnType<typeof createMarketServices>
