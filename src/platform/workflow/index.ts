import type { Knex } from 'knex'
import { audit } from '../audit.ts'
import type { RequestContext } from '../context.ts'
import { ConflictError, ForbiddenError, InvalidFieldError, NotFoundError } from '../errors.ts'
import { CONTROL_CHARACTERS, MULTI_LINE } from '../text.ts'

/** Who may take a transition. */
export type WorkflowRole = 'customer' | 'operator' | 'admin' | 'system'

export interface WorkflowStatus {
  code: string
  /** No transition leaves a terminal status. */
  terminal?: boolean
  /** Whose move it is while the subject is in this status (shown to both sides). */
  turn: 'customer' | 'staff' | 'none'
}

export interface WorkflowTransition {
  from: string
  to: string
  by: readonly WorkflowRole[]
  comment?: 'required' | 'optional'
  /** A document must come with it (the caller attaches it in the same transaction). */
  document?: boolean
  /** The customer is emailed about it (the caller's `notify` writes the outbox row). */
  notifyCustomer?: boolean
}

/**
 * A workflow is data: its statuses and the transitions between them. Status names are
 * i18n keys `<name>.statuses.<code>`; market review, retail binding and schedule
 * statuses are configured on the same engine.
 */
export interface Workflow {
  name: string
  initial: string
  statuses: readonly WorkflowStatus[]
  transitions: readonly WorkflowTransition[]
}

/** Checks a workflow once, where it is defined, so a typo fails at start-up, not on a request. */
export function defineWorkflow<W extends Workflow>(workflow: W): W {
  const codes = new Set(workflow.statuses.map((s) => s.code))
  const problems: string[] = []
  if (codes.size !== workflow.statuses.length) problems.push('a status code appears twice')
  if (!codes.has(workflow.initial)) problems.push(`initial status ${workflow.initial} is not a status`)
  const seen = new Set<string>()
  for (const t of workflow.transitions) {
    if (!codes.has(t.from) || !codes.has(t.to)) problems.push(`${t.from} → ${t.to} names an unknown status`)
    if (workflow.statuses.find((s) => s.code === t.from)?.terminal) problems.push(`${t.from} is terminal`)
    if (!t.by.length) problems.push(`${t.from} → ${t.to} may be taken by nobody`)
    if (seen.has(`${t.from}>${t.to}`)) problems.push(`${t.from} → ${t.to} appears twice`)
    seen.add(`${t.from}>${t.to}`)
  }
  if (problems.length) throw new Error(`workflow ${workflow.name}: ${problems.join('; ')}`)
  return workflow
}

/** What this role may do from this status, in the workflow's order (the buttons a page offers). */
export function availableTransitions(
  workflow: Workflow,
  status: string,
  role: WorkflowRole,
): WorkflowTransition[] {
  return workflow.transitions.filter((t) => t.from === status && t.by.includes(role))
}

/** The row a workflow moves: a tenant table with a `status` column, named by the caller. */
export interface WorkflowSubject {
  table: string
  /** How the history and the audit log name it ("application"). */
  type: string
  id: string
}

export interface TransitionRequest {
  to: string
  /** The status the actor saw when deciding: a different current status is a stale form. */
  expected: string
  role: WorkflowRole
  comment?: string | null
  /** The documents that come with the move, and the form field they were sent in. */
  documents?: { count: number; field: string }
  /** Writes the customer's email (outbox) for a transition that notifies; same transaction. */
  notify?: (trx: Knex.Transaction, change: { from: string; to: string }) => Promise<void>
}

/**
 * The one way a status changes, inside the caller's transaction: locks the subject row,
 * checks the transition exists from the current status for this role (a form older than
 * the status gets a conflict, never a silent overwrite), writes the status, appends the
 * history row, the audit row and — where the transition says so — the customer's email.
 */
export async function applyTransition(
  trx: Knex.Transaction,
  ctx: RequestContext,
  workflow: Workflow,
  subject: WorkflowSubject,
  request: TransitionRequest,
): Promise<{ from: string; to: string }> {
  const row = await trx(subject.table)
    .where({ id: subject.id })
    .forUpdate()
    .first<{ status: string } | undefined>('status')
  if (!row) throw new NotFoundError(`${subject.type} ${subject.id}`)
  if (row.status !== request.expected) throw new ConflictError(`${subject.type} is ${row.status} now`)
  const transition = workflow.transitions.find((t) => t.from === row.status && t.to === request.to)
  if (!transition) throw new ConflictError(`no ${row.status} → ${request.to} in ${workflow.name}`)
  if (!transition.by.includes(request.role))
    throw new ForbiddenError(`${request.role} may not ${row.status} → ${request.to}`)
  const comment = request.comment?.trim() || null
  if (transition.comment === 'required' && !comment)
    throw new InvalidFieldError('comment', 'errors.commentRequired')
  if (comment && !MULTI_LINE.test(comment)) throw new InvalidFieldError('comment', CONTROL_CHARACTERS)
  if (transition.document && !request.documents?.count)
    throw new InvalidFieldError(request.documents?.field ?? 'documents', 'errors.documentRequired')

  await trx(subject.table).where({ id: subject.id }).update({ status: request.to })
  await trx('status_history').insert({
    tenant_id: ctx.tenant.id,
    workflow: workflow.name,
    subject_type: subject.type,
    subject_id: subject.id,
    from_status: row.status,
    to_status: request.to,
    actor_type: ctx.actor.type,
    actor_id: ctx.actor.id,
    comment,
  })
  await audit(trx, ctx, {
    action: `${subject.type}.status-changed`,
    targetType: subject.type,
    targetId: subject.id,
    details: { from: row.status, to: request.to },
  })
  const change = { from: row.status, to: request.to }
  if (transition.notifyCustomer && request.notify) await request.notify(trx, change)
  return change
}

export interface HistoryEntry {
  from_status: string | null
  to_status: string
  actor_type: string
  actor_id: string | null
  comment: string | null
  at: Date
}

/** A subject's history, oldest first: what a status timeline shows. */
export function statusHistory(
  trx: Knex.Transaction,
  subject: Pick<WorkflowSubject, 'type' | 'id'>,
): Promise<HistoryEntry[]> {
  return trx('status_history')
    .where({ subject_type: subject.type, subject_id: subject.id })
    .orderBy([
      { column: 'at', order: 'asc' },
      { column: 'seq', order: 'asc' },
    ])
    .select<HistoryEntry[]>('from_status', 'to_status', 'actor_type', 'actor_id', 'comment', 'at')
}
