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
  return bindServices(
    deps,
    {
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
    },
    {
      // What a person acting for the account must be allowed (staff and the account's own login pass).
      addAttachments: 'market:edit',
      addConsumptionUnits: 'market:edit',
      addGeneratingUnit: 'market:edit',
      addUnitDocuments: 'market:edit',
      bindingFor: 'market:view',
      bindingsOf: 'market:view',
      chooseType: 'market:edit',
      completeRegistration: 'market:edit',
      createBinding: 'market:edit',
      endBinding: 'market:edit',
      powerUserToBind: 'market:view',
      registrationOf: 'market:view',
      removeAttachment: 'market:edit',
      removeUnit: 'market:edit',
      removeUnitDocument: 'market:edit',
      respondToBinding: 'market:edit',
      savePart: 'market:edit',
      searchPowerUsers: 'market:view',
      submitBinding: 'market:edit',
    },
  )
}

export type MarketServices = ReturnType<typeof createMarketServices>
