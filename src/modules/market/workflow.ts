import { defineWorkflow } from '../../platform/workflow/index.ts'

const STAFF = ['operator', 'admin'] as const

/**
 * A market registration's life (seed 003, item 7): the applicant completes it (draft →
 * submitted); the trading centre approves it, rejects it with a reason, or returns it
 * naming the parts to correct, after which the applicant resubmits. Every decision is
 * emailed. Status names are `market.statuses.<code>`.
 */
export const MEMBER_WORKFLOW = defineWorkflow({
  name: 'market.member',
  initial: 'draft',
  statuses: [
    { code: 'draft', turn: 'customer' },
    { code: 'submitted', turn: 'staff' },
    { code: 'returned', turn: 'customer' },
    { code: 'approved', turn: 'none', terminal: true },
    { code: 'rejected', turn: 'none', terminal: true },
  ],
  transitions: [
    { from: 'draft', to: 'submitted', by: ['customer'] },
    { from: 'returned', to: 'submitted', by: ['customer'] },
    { from: 'submitted', to: 'approved', by: STAFF, comment: 'optional', notifyCustomer: true },
    { from: 'submitted', to: 'rejected', by: STAFF, comment: 'required', notifyCustomer: true },
    { from: 'submitted', to: 'returned', by: STAFF, comment: 'required', notifyCustomer: true },
  ],
})

/** The statuses the trading centre sees (a draft is the applicant's own). */
export const CENTRE_MEMBER_STATUSES = MEMBER_WORKFLOW.statuses.map((s) => s.code).filter((c) => c !== 'draft')

/**
 * A retail binding's life (seed 003, item 8): the supplier submits it, the power user
 * confirms or declines, the trading centre approves or rejects; either party may end an
 * approved binding early (with notice). Which customer may move it is the service's
 * check (supplier or user); the engine knows customers from staff. Status names are
 * `market.bindings.statuses.<code>`.
 */
export const BINDING_WORKFLOW = defineWorkflow({
  name: 'market.binding',
  initial: 'draft',
  statuses: [
    { code: 'draft', turn: 'customer' },
    { code: 'awaiting_user', turn: 'customer' },
    { code: 'awaiting_centre', turn: 'staff' },
    { code: 'approved', turn: 'none' },
    { code: 'declined', turn: 'none', terminal: true },
    { code: 'rejected', turn: 'none', terminal: true },
    { code: 'ended', turn: 'none', terminal: true },
  ],
  transitions: [
    { from: 'draft', to: 'awaiting_user', by: ['customer'] },
    { from: 'awaiting_user', to: 'awaiting_centre', by: ['customer'] },
    { from: 'awaiting_user', to: 'declined', by: ['customer'], comment: 'optional' },
    { from: 'awaiting_centre', to: 'approved', by: STAFF, comment: 'optional', notifyCustomer: true },
    { from: 'awaiting_centre', to: 'rejected', by: STAFF, comment: 'required', notifyCustomer: true },
    { from: 'approved', to: 'ended', by: ['customer'], comment: 'optional' },
  ],
})

/** The statuses the trading centre sees (a draft is the supplier's own). */
export const CENTRE_BINDING_STATUSES = BINDING_WORKFLOW.statuses
  .map((s) => s.code)
  .filter((c) => c !== 'draft')
