import type { Deps } from '../../deps.ts'
import { bindServices } from '../../platform/services.ts'
import { customerContact } from '../accounts/index.ts'
import { withTenant } from '../../db/tenant-scope.ts'
import type { RequestContext } from '../../platform/context.ts'
import { dayOverview } from './overview.service.ts'
import {
  approveSchedule,
  dayOfTenant,
  saveDraft,
  scheduleOf,
  schedulesOfDay,
  unitHistory,
  versionHistory,
  type GenerationDeps,
} from './service.ts'
import {
  enrolmentEmail,
  isActiveOn,
  ownerByEmail,
  ownerEmail,
  saveUnit,
  unitList,
  unitOf,
  unitsActiveOn,
  unitsOf,
} from './units.service.ts'
import { availabilityOf, declareAvailability, withdrawAvailability } from './availability.service.ts'
import { decideSchedule, scheduleReview } from './review.service.ts'
import { applyImport, exportSheet, importOf, previewImport } from './transfer.service.ts'

const customerOf = (deps: GenerationDeps, ctx: RequestContext, id: string) =>
  withTenant(deps.db, ctx.tenant.id, (trx) => customerContact(trx, id))

/** The generation module's services, built once when the app is assembled. */
export function createGenerationServices(deps: Deps) {
  return {
    ...bindServices(
      deps,
      {
        applyImport,
        approveSchedule,
        availabilityOf,
        declareAvailability,
        customerOf,
        dayOverview,
        enrolmentEmail,
        decideSchedule,
        exportSheet,
        importOf,
        ownerByEmail,
        ownerEmail,
        previewImport,
        saveDraft,
        saveUnit,
        scheduleOf,
        scheduleReview,
        schedulesOfDay,
        unitHistory,
        unitList,
        unitOf,
        unitsActiveOn,
        unitsOf,
        versionHistory,
        withdrawAvailability,
      },
      {
        // What a person acting for the account must be allowed (staff and the account's own login pass).
        applyImport: (_ctx, _customer, _id, mode) => (mode === 'approve' ? 'pgb:approve' : 'pgb:edit'),
        approveSchedule: 'pgb:approve',
        availabilityOf: 'pgb:view',
        declareAvailability: 'pgb:edit',
        exportSheet: 'pgb:view',
        importOf: 'pgb:view',
        previewImport: 'pgb:edit',
        saveDraft: 'pgb:edit',
        scheduleOf: 'pgb:view',
        schedulesOfDay: 'pgb:view',
        unitHistory: 'pgb:view',
        unitOf: 'pgb:view',
        unitsOf: 'pgb:view',
        versionHistory: 'pgb:view',
        withdrawAvailability: 'pgb:edit',
      },
    ),
    dayOfTenant,
    isActiveOn,
  }
}

export type GenerationServices = ReturnType<typeof createGenerationServices>
