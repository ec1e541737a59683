import { defineWorkflow } from '../../platform/workflow/index.ts'

const STAFF = ['operator', 'admin'] as const

/**
 * A schedule version's life: approved by the customer (draft → submitted), accepted or
 * rejected (with a reason) by the operator, and superseded when the customer approves a
 * newer version of the same day. Status names are `generation.statuses.<code>`.
 */
export const SCHEDULE_WORKFLOW = defineWorkflow({
  name: 'generation.schedule',
  initial: 'draft',
  statuses: [
    { code: 'draft', turn: 'customer' },
    { code: 'submitted', turn: 'staff' },
    { code: 'accepted', turn: 'none' },
    { code: 'rejected', turn: 'customer' },
    { code: 'superseded', turn: 'none', terminal: true },
  ],
  transitions: [
    { from: 'draft', to: 'submitted', by: ['customer'] },
    { from: 'submitted', to: 'accepted', by: STAFF, notifyCustomer: true },
    { from: 'submitted', to: 'rejected', by: STAFF, comment: 'required', notifyCustomer: true },
    { from: 'submitted', to: 'superseded', by: ['customer'] },
    { from: 'accepted', to: 'superseded', by: ['customer'] },
    { from: 'rejected', to: 'superseded', by: ['customer'] },
  ],
})

export const SCHEDULE_STATUSES = ['draft', 'submitted', 'accepted', 'rejected'] as const
