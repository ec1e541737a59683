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

export const MEMBER_STATUSES = MEMBER_WORKFLOW.statuses.map((s) => s.code)
