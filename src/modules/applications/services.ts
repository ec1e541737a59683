import type { Deps } from '../../deps.ts'
import { bindServices } from '../../platform/services.ts'
import { acceptDocument } from './acceptance.service.ts'
import { markRead, postMessage } from './chat.service.ts'
import { formFile, formLibrary, uploadForm } from './forms.service.ts'
import {
  assignableStaff,
  customerFeed,
  customerList,
  followableApplication,
  staffQueue,
} from './list.service.ts'
import { addNote, notesOf } from './notes.service.ts'
import { receiptOf } from './receipt.service.ts'
import {
  addStaffDocuments,
  answerConfirmation,
  assignApplication,
  createApplication,
  moveApplication,
  updateApplication,
  withdrawApplication,
} from './service.ts'
import { listTypes, offeredType, offeredTypes, saveTypeVersion, typeVersions } from './types.service.ts'
import { customerOf, mayReadApplicationFile, viewApplication } from './view.service.ts'

/** The applications module's services, built once when the app is assembled. */
export function createApplicationServices(deps: Deps) {
  return bindServices(
    deps,
    {
      acceptDocument,
      addNote,
      addStaffDocuments,
      answerConfirmation,
      assignableStaff,
      assignApplication,
      createApplication,
      customerFeed,
      customerList,
      customerOf,
      formFile,
      formLibrary,
      listTypes,
      markRead,
      mayReadApplicationFile,
      receiptOf,
      moveApplication,
      notesOf,
      offeredType,
      offeredTypes,
      followableApplication,
      postMessage,
      saveTypeVersion,
      staffQueue,
      typeVersions,
      updateApplication,
      uploadForm,
      viewApplication,
      withdrawApplication,
    },
    {
      // What a person acting for the account must be allowed (staff and the account's own login pass).
      acceptDocument: 'applications:submit',
      answerConfirmation: 'applications:submit',
      createApplication: 'applications:submit',
      customerFeed: 'applications:view',
      customerList: 'applications:view',
      followableApplication: 'applications:view',
      markRead: 'applications:chat',
      mayReadApplicationFile: 'applications:view',
      offeredType: 'applications:view',
      offeredTypes: 'applications:view',
      postMessage: 'applications:chat',
      receiptOf: 'applications:view',
      updateApplication: 'applications:submit',
      viewApplication: 'applications:view',
      withdrawApplication: 'applications:submit',
    },
  )
}

export type ApplicationServices = ReturnType<typeof createApplicationServices>
