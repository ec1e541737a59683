import type { Deps } from '../../deps.ts'
import { bindServices } from '../../platform/services.ts'
import { importList, importOf, importPage, queueImport } from './imports.service.ts'
import { applyMeterImport, meterImportOf, previewMeterImport } from './meter-import.service.ts'
import { completeUntil, intervalSeries, keepFetchedDay, storedDay } from './intervals.service.ts'
import {
  decideRequest,
  pendingRequests,
  requestMeter,
  requestPhotoOwner,
  requestsOf,
} from './requests.service.ts'
import { customerMeter, meterList, meterOf, meterOwnerEmail, metersOf, saveMeter } from './meters.service.ts'
import {
  enterReading,
  latestReadings,
  monthlyUse,
  readingFeed,
  readingHistory,
  readingPhotoOwner,
} from './readings.service.ts'
import { awaitingReview, decideReading, periodReadings } from './review.service.ts'

/** The readings module's services, built once when the app is assembled. */
export function createReadingsServices(deps: Deps) {
  return bindServices(
    deps,
    {
      applyMeterImport,
      awaitingReview,
      completeUntil,
      customerMeter,
      decideReading,
      decideRequest,
      enterReading,
      importList,
      importOf,
      importPage,
      intervalSeries,
      keepFetchedDay,
      latestReadings,
      meterImportOf,
      meterList,
      meterOf,
      meterOwnerEmail,
      metersOf,
      monthlyUse,
      pendingRequests,
      periodReadings,
      previewMeterImport,
      queueImport,
      readingFeed,
      readingHistory,
      readingPhotoOwner,
      requestMeter,
      requestPhotoOwner,
      requestsOf,
      saveMeter,
      storedDay,
    },
    {
      // What a person acting for the account must be allowed (staff and the account's own login pass).
      customerMeter: 'readings:view',
      enterReading: 'readings:enter',
      latestReadings: 'readings:view',
      metersOf: 'readings:view',
      monthlyUse: 'readings:view',
      intervalSeries: 'readings:view',
      completeUntil: 'readings:view',
      storedDay: 'readings:view',
      readingFeed: 'readings:view',
      readingHistory: 'readings:view',
      requestMeter: 'readings:enter',
      requestsOf: 'readings:view',
    },
  )
}

export type ReadingsServices = ReturnType<typeof createReadingsServices>
