import {
  availableTransitions,
  defineWorkflow,
  type Workflow,
  type WorkflowRole,
  type WorkflowTransition,
} from '../../platform/workflow/index.ts'

const STAFF = ['operator', 'admin'] as const
const CUSTOMER = ['customer'] as const

/** What every application may do besides moving forward: the customer's and staff's side exits. */
function sideExits(reviewing: readonly string[]): WorkflowTransition[] {
  return [
    { from: 'draft', to: 'submitted', by: CUSTOMER, notifyCustomer: true },
    // Filed by a representative where the type asks the customer's confirmation (issue 21
    // item 6): the customer confirms it (it counts as submitted only then) or sends it back.
    { from: 'draft', to: 'confirming', by: CUSTOMER, notifyCustomer: true },
    { from: 'confirming', to: 'submitted', by: CUSTOMER, notifyCustomer: true },
    { from: 'confirming', to: 'draft', by: CUSTOMER, comment: 'required' },
    { from: 'submitted', to: 'withdrawn', by: CUSTOMER, notifyCustomer: true },
    { from: 'returned', to: 'submitted', by: CUSTOMER, notifyCustomer: true },
    // Closed once the customer let the day to complete it pass (the service checks the day).
    { from: 'returned', to: 'rejected', by: STAFF, comment: 'required', notifyCustomer: true },
    ...reviewing.flatMap((from): WorkflowTransition[] => [
      { from, to: 'returned', by: STAFF, comment: 'required', notifyCustomer: true },
      { from, to: 'rejected', by: STAFF, comment: 'required', notifyCustomer: true },
    ]),
  ]
}

const forward = (path: readonly string[]): WorkflowTransition[] =>
  path.slice(1).map((to, i) => ({
    from: path[i]!,
    to,
    by: STAFF,
    comment: 'optional',
    notifyCustomer: true,
  }))

/** The main line of a workflow, in order: what a status timeline draws as steps. */
export const TP_PATH = [
  'submitted',
  'inProgress',
  'contract',
  'works',
  'checking',
  'acts',
  'completed',
] as const
export const SHORT_PATH = ['submitted', 'inProgress', 'completed'] as const

const statuses = (path: readonly string[]) => [
  { code: 'draft', turn: 'customer' as const },
  { code: 'confirming', turn: 'customer' as const },
  ...path.map((code) => ({
    code,
    turn: code === 'completed' ? ('none' as const) : ('staff' as const),
    terminal: code === 'completed',
  })),
  { code: 'returned', turn: 'customer' as const },
  { code: 'rejected', turn: 'none' as const, terminal: true },
  { code: 'withdrawn', turn: 'none' as const, terminal: true },
]

/**
 * Technological connection (seed 004): Submitted → In progress → TP contract being
 * concluded → TP works → Checking technical conditions → TP acts being prepared →
 * Completed; staff may return it for corrections or reject it (with a reason) while it is
 * still being reviewed, the customer may withdraw it while it is Submitted. Every change
 * is emailed to the customer.
 */
export const TP_WORKFLOW = defineWorkflow({
  name: 'applications.tp',
  initial: 'draft',
  statuses: statuses(TP_PATH),
  transitions: [
    // The contract step starts with the contract itself, sent to the customer with the move.
    ...forward(TP_PATH).map((t) => (t.to === 'contract' ? { ...t, document: true } : t)),
    ...sideExits(['submitted', 'inProgress']),
  ],
})

/** Every other type: Submitted → In progress → Completed / Rejected / Returned. */
export const SHORT_WORKFLOW = defineWorkflow({
  name: 'applications.short',
  initial: 'draft',
  statuses: statuses(SHORT_PATH),
  transitions: [...forward(SHORT_PATH), ...sideExits(['submitted', 'inProgress'])],
})

export const WORKFLOWS = { tp: TP_WORKFLOW, short: SHORT_WORKFLOW } as const
export type WorkflowCode = keyof typeof WORKFLOWS
export const PATHS: Record<WorkflowCode, readonly string[]> = { tp: TP_PATH, short: SHORT_PATH }

export const isTerminal = (workflow: Workflow, status: string): boolean =>
  workflow.statuses.find((s) => s.code === status)?.terminal === true

export const turnOf = (workflow: Workflow, status: string): 'customer' | 'staff' | 'none' =>
  workflow.statuses.find((s) => s.code === status)?.turn ?? 'none'

export interface TimelineStep {
  status: string
  state: 'done' | 'current' | 'todo'
  at?: Date
}

/**
 * Every step of the workflow's main line for one application: done (with when), the
 * current one, and those still to come. A side exit (returned, rejected, withdrawn) is
 * shown as the current step after the last one reached.
 */
export function timeline(
  code: WorkflowCode,
  status: string,
  history: readonly { to_status: string; at: Date }[],
): TimelineStep[] {
  const path = PATHS[code]
  const reached = new Map<string, Date>()
  for (const h of history) reached.set(h.to_status, h.at)
  const currentIndex = path.indexOf(status)
  const lastReached = Math.max(-1, ...path.map((s, i) => (reached.has(s) ? i : -1)))
  const steps: TimelineStep[] = path.map((s, i) => {
    if (currentIndex >= 0)
      return {
        status: s,
        state: i < currentIndex ? 'done' : i === currentIndex ? 'current' : 'todo',
        at: i <= currentIndex ? reached.get(s) : undefined,
      }
    return { status: s, state: i <= lastReached ? 'done' : 'todo', at: reached.get(s) }
  })
  if (currentIndex < 0 && status !== 'draft') {
    const at = reached.get(status)
    steps.splice(lastReached + 1, 0, { status, state: 'current', at })
    if (status !== 'returned' && status !== 'confirming') return steps.filter((s) => s.state !== 'todo')
  }
  return steps
}

/** The statuses this role may move an application to from where it is (the buttons a page offers). */
export const availableFor = (code: WorkflowCode, status: string, role: WorkflowRole): string[] =>
  availableTransitions(WORKFLOWS[code], status, role).map((t) => t.to)

/** Every status an application can have (the TP workflow has them all), in the workflow's order. */
export const APPLICATION_STATUSES = TP_WORKFLOW.statuses.map((s) => s.code) as [string, ...string[]]
/** Not yet sent: a draft, or one waiting for the customer's confirmation. Staff know nothing of these. */
export const UNSENT_STATUSES = ['draft', 'confirming'] as const
/** What staff see: everything sent. */
export const SENT_STATUSES = APPLICATION_STATUSES.filter(
  (s) => !(UNSENT_STATUSES as readonly string[]).includes(s),
) as [string, ...string[]]
