import { randomUUID } from 'node:crypto'
import type { Knex } from 'knex'
import { withTenant } from '../../db/tenant-scope.ts'
import type { Deps } from '../../deps.ts'
import { audit } from '../../platform/audit.ts'
import { addBusinessDays, type WorkingCalendar } from '../../platform/calendar/index.ts'
import { byRepresentative, staffRole, type RequestContext } from '../../platform/context.ts'
import { ConflictError, InvalidFieldError, NotFoundError } from '../../platform/errors.ts'
import { attachFiles, attachmentsOf } from '../../platform/files/attachments.ts'
import type { AcceptedFile } from '../../platform/files/sniff.ts'
import { sendJob } from '../../platform/jobs.ts'
import { publish } from '../../platform/live.ts'
import { claimSubmission } from '../../platform/submissions.ts'
import { tenantText } from '../../platform/tenancy/texts.ts'
import { dayOf } from '../../platform/time/intervals.ts'
import { applyTransition, type TransitionRequest } from '../../platform/workflow/index.ts'
import { customerContact, emailCustomer } from '../accounts/index.ts'
import { activeOperatorEmail } from '../operators/index.ts'
import { tenantCalendar } from '../calendar/index.ts'
import { clockAfterMove } from './deadlines.ts'
import { APPLICATION_QUEUES } from './queues.ts'
import type { ReceiptJob } from './receipt.service.ts'
import type { ApplicationType } from './definition.ts'
import {
  currentType,
  nextNumber,
  sentApplication,
  typeById,
  type ApplicationContent,
  type ApplicationRow,
} from './repo.ts'
import { offeredType } from './types.service.ts'
import { WORKFLOWS } from './workflows.ts'

export type ApplicationsDeps = Pick<
  Deps,
  'db' | 'clock' | 'outbox' | 'files' | 'i18n' | 'config' | 'reference' | 'boss' | 'events'
>
export type UploadedFile = AcceptedFile & { field: string }

export const OWNER = 'application'
export const topicOf = (id: string) => `application:${id}`
const subject = (id: string) => ({ table: 'applications', type: OWNER, id })

export const workflowOf = (type: ApplicationType) => WORKFLOWS[type.definition.workflow]

// ---- applications ----------------------------------------------------------------------

export interface ApplicationInput {
  text: string
  contact: string
  values: ApplicationContent['values']
}

export type SaveAction = 'draft' | 'submit'

/** The number a submitted application gets: type prefix, the year in the tenant's zone, six digits. */
const formatNumber = (prefix: string, year: number, n: number) =>
  `${prefix}-${year}-${String(n).padStart(6, '0')}`

async function requireDocuments(
  trx: Knex.Transaction,
  type: ApplicationType,
  applicationId: string,
): Promise<void> {
  const have = new Set((await attachmentsOf(trx, { type: OWNER, id: applicationId })).map((a) => a.field))
  for (const doc of type.definition.documents)
    if (doc.required && !have.has(`doc_${doc.code}`))
      throw new InvalidFieldError(`doc_${doc.code}`, 'applications.errors.documentRequired')
}

/** Where a send left the application: submitted, or waiting for the customer to confirm it. */
export type SentAs = 'submitted' | 'confirming'

/**
 * Submits (or resubmits) inside the caller's transaction: the number on first submission,
 * the review deadline from the tenant's working-day calendar, the workflow's move with its
 * history, audit and email. A representative's draft of a type that asks the customer's
 * confirmation goes to the customer instead (issue 21 item 6): it gets its number, its
 * deadline and its receipt only once they confirm, and staff see nothing of it before.
 */
async function submitIn(
  deps: ApplicationsDeps,
  trx: Knex.Transaction,
  ctx: RequestContext,
  application: ApplicationRow,
  type: ApplicationType,
  calendar: WorkingCalendar,
): Promise<SentAs> {
  if (!application.content.text.trim()) throw new InvalidFieldError('text', 'applications.errors.text')
  await requireDocuments(trx, type, application.id)
  if (application.status === 'draft' && type.definition.customerConfirms && byRepresentative(ctx)) {
    await moveIn(deps, trx, ctx, application, type, calendar, {
      to: 'confirming',
      expected: 'draft',
      role: 'customer',
    })
    return 'confirming'
  }
  const now = deps.clock.now()
  const today = dayOf(now, ctx.tenant.settings.timeZone)
  const number =
    application.number ??
    formatNumber(
      type.definition.prefix,
      Number(today.slice(0, 4)),
      await nextNumber(trx, ctx.tenant.id, type.definition.prefix, Number(today.slice(0, 4))),
    )
  await trx('applications')
    .where({ id: application.id })
    .update({ number, submitted_at: now, updated_at: now })
  await moveIn(deps, trx, ctx, { ...application, number }, type, calendar, {
    to: 'submitted',
    expected: application.status,
    role: 'customer',
  })
  return 'submitted'
}

/**
 * A customer's new application: saved as a draft or submitted at once. The form's one-time
 * token makes a double click, a resent form or a second tab create one application.
 */
export async function createApplication(
  deps: ApplicationsDeps,
  ctx: RequestContext,
  customerId: string,
  typeCode: string,
  input: ApplicationInput,
  files: readonly UploadedFile[],
  action: SaveAction,
  submissionId: string | undefined,
): Promise<{ id: string; duplicate: boolean; sentAs?: SentAs }> {
  const type = await offeredType(deps, ctx, typeCode)
  // Read before the transaction: a second connection inside it could starve the pool.
  const calendar = await tenantCalendar(deps, ctx)
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    if (!(await claimSubmission(trx, ctx.tenant.id, submissionId, 'application'))) {
      const earlier = await trx('applications')
        .where({ customer_id: customerId, type_code: typeCode })
        .orderBy('created_at', 'desc')
        .first<{ id: string } | undefined>('id')
      if (earlier) return { id: earlier.id, duplicate: true }
    }
    const now = deps.clock.now()
    const [application] = await trx('applications')
      .insert({
        tenant_id: ctx.tenant.id,
        customer_id: customerId,
        filed_by: ctx.actor.account === customerId ? ctx.actor.id : null,
        type_id: type.id,
        type_code: type.code,
        status: 'draft',
        content: JSON.stringify(input),
        created_at: now,
        updated_at: now,
      })
      .returning<ApplicationRow[]>('*')
    await attachFiles(trx, deps.files, ctx, { type: OWNER, id: application!.id }, files)
    await audit(trx, ctx, { action: 'application.created', targetType: OWNER, targetId: application!.id })
    const sentAs =
      action === 'submit' ? await submitIn(deps, trx, ctx, application!, type, calendar) : undefined
    return { id: application!.id, duplicate: false, sentAs }
  })
}

/**
 * A draft continued, or an application returned for corrections edited and sent again.
 * `expected` is the status the customer's form was made for: anything else is stale.
 */
export async function updateApplication(
  deps: ApplicationsDeps,
  ctx: RequestContext,
  customerId: string,
  id: string,
  expected: string,
  input: ApplicationInput,
  files: readonly UploadedFile[],
  action: SaveAction,
): Promise<SentAs | undefined> {
  const calendar = await tenantCalendar(deps, ctx)
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const application = await trx('applications')
      .where({ id, customer_id: customerId })
      .forUpdate()
      .first<ApplicationRow | undefined>()
    if (!application) throw new NotFoundError(OWNER)
    if (application.status !== expected || !['draft', 'returned'].includes(application.status))
      throw new ConflictError(`application is ${application.status}`)
    // A draft moves to the newest version of its type; a returned application keeps its own.
    let type = (await typeById(trx, application.type_id))!
    if (application.status === 'draft') {
      const latest = await currentType(trx, application.type_code)
      if (!latest || !latest.definition.active) throw new NotFoundError('application type')
      type = latest
    }
    const now = deps.clock.now()
    const content = JSON.stringify(input)
    await trx('applications').where({ id }).update({ content, type_id: type.id, updated_at: now })
    await attachFiles(trx, deps.files, ctx, { type: OWNER, id }, files)
    if (application.status === 'returned') {
      await audit(trx, ctx, {
        action: 'application.corrected',
        targetType: OWNER,
        targetId: id,
        details: { before: application.content },
      })
    }
    if (action !== 'submit') return undefined
    return submitIn(deps, trx, ctx, { ...application, content: input, type_id: type.id }, type, calendar)
  })
}

/**
 * The customer's answer to an application a representative filed for them: confirmed, it
 * is submitted (number, deadline, receipt, staff); declined, it goes back to a draft with
 * their reason for the representative. Only the account's own people answer: a
 * representative cannot confirm what they filed.
 */
export async function answerConfirmation(
  deps: ApplicationsDeps,
  ctx: RequestContext,
  customerId: string,
  id: string,
  answer: { confirm: true } | { confirm: false; reason: string },
): Promise<void> {
  if (byRepresentative(ctx)) throw new NotFoundError(OWNER)
  const calendar = await tenantCalendar(deps, ctx)
  await withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const application = await trx('applications')
      .where({ id, customer_id: customerId })
      .forUpdate()
      .first<ApplicationRow | undefined>()
    if (!application) throw new NotFoundError(OWNER)
    if (application.status !== 'confirming') throw new ConflictError(`application is ${application.status}`)
    const type = (await typeById(trx, application.type_id))!
    if (answer.confirm) {
      await submitIn(deps, trx, ctx, application, type, calendar)
      return
    }
    if (!answer.reason.trim()) throw new InvalidFieldError('reason', 'applications.confirm.errors.reason')
    await moveIn(deps, trx, ctx, application, type, calendar, {
      to: 'draft',
      expected: 'confirming',
      role: 'customer',
      comment: answer.reason,
    })
  })
}

/**
 * The one place an application's status moves: the workflow engine, the step's clock
 * (see clockAfterMove), our email and live event.
 */
async function moveIn(
  deps: ApplicationsDeps,
  trx: Knex.Transaction,
  ctx: RequestContext,
  application: ApplicationRow,
  type: ApplicationType,
  calendar: WorkingCalendar,
  request: Omit<TransitionRequest, 'notify'> & { completeBy?: string | null },
): Promise<void> {
  const comment = request.comment?.trim() || null
  const completeBy = request.to === 'returned' ? (request.completeBy ?? null) : null
  const clock = clockAfterMove(
    type.definition,
    calendar,
    dayOf(deps.clock.now(), ctx.tenant.settings.timeZone),
    { from: application.status, to: request.to },
    { dueOn: application.due_on, pausedDays: application.paused_days },
  )
  const moved = await applyTransition(trx, ctx, workflowOf(type), subject(application.id), {
    ...request,
    notify: async (t, change) => {
      // A submission's email carries its receipt, rendered after this commits (a PDF takes
      // a while, and this transaction holds the tenant's numbering): the job is queued
      // here, so it is sent if and only if the submission is kept.
      if (change.to === 'confirming') {
        const filer = await customerContact(t, ctx.actor.id ?? '')
        await emailCustomer(t, deps, ctx, application.customer_id, 'applications.mail.confirm', (m) => ({
          type:
            tenantText(type.definition.name, m.locale, ctx.tenant.settings.defaultLocale)?.text ?? type.code,
          representative: filer?.name ?? '',
          link: m.link(`/services/applications/${application.id}`),
        }))
        return
      }
      if (change.to === 'submitted') {
        const job: ReceiptJob = {
          tenantId: ctx.tenant.id,
          applicationId: application.id,
          submissionId: randomUUID(),
          submittedAt: deps.clock.now().toISOString(),
        }
        await sendJob(deps.boss, t, APPLICATION_QUEUES.receipts, job, { singletonKey: job.submissionId })
        return
      }
      await emailCustomer(t, deps, ctx, application.customer_id, 'applications.mail.status', (m) => ({
        number: application.number,
        status: m.t(`applications.statuses.${change.to}`),
        comment: [
          comment ?? m.t('applications.mail.noComment'),
          ...(completeBy ? [m.t('applications.mail.completeBy', { date: m.fmt.date(completeBy) })] : []),
        ].join('\n\n'),
        due: clock.dueOn ? m.fmt.date(clock.dueOn) : '',
        link: m.link(`/services/applications/${application.id}`),
      }))
    },
  })
  await trx('applications').where({ id: application.id }).update({
    due_on: clock.dueOn,
    paused_days: clock.pausedDays,
    complete_by: completeBy,
    complete_reminded_at: null,
    updated_at: deps.clock.now(),
  })
  await publish(trx, ctx.tenant.id, topicOf(application.id), { kind: 'status', status: request.to })
  await deps.events.emit(trx, ctx, 'account.changed', {
    accountId: application.customer_id,
    type: 'application.status_changed',
    data: { application: application.id, number: application.number, from: moved.from, to: moved.to },
  })
}

/** The customer withdraws an application still waiting in Submitted. */
export async function withdrawApplication(
  deps: ApplicationsDeps,
  ctx: RequestContext,
  customerId: string,
  id: string,
  expected: string,
): Promise<void> {
  const calendar = await tenantCalendar(deps, ctx)
  await withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const application = await trx('applications')
      .where({ id, customer_id: customerId })
      .first<ApplicationRow | undefined>()
    if (!application) throw new NotFoundError(OWNER)
    const type = (await typeById(trx, application.type_id))!
    await moveIn(deps, trx, ctx, application, type, calendar, { to: 'withdrawn', expected, role: 'customer' })
  })
}

/** Whether a returned application's day to complete it has passed (none given: it has not). */
export const pastCompleteBy = (application: Pick<ApplicationRow, 'complete_by'>, today: string): boolean =>
  application.complete_by !== null && today > application.complete_by

/** Staff move an application along its workflow, with a comment and documents where given. */
export async function moveApplication(
  deps: ApplicationsDeps,
  ctx: RequestContext,
  id: string,
  request: { to: string; expected: string; comment: string; completeDays?: number },
  files: readonly UploadedFile[],
): Promise<void> {
  // Read before the transaction: a second connection inside it could starve the pool.
  const calendar = await tenantCalendar(deps, ctx)
  await withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const application = await sentApplication(trx, id)
    if (!application) throw new NotFoundError(OWNER)
    const type = (await typeById(trx, application.type_id))!
    if (request.to === 'submitted') throw new ConflictError('staff do not submit')
    const today = dayOf(deps.clock.now(), ctx.tenant.settings.timeZone)
    // A returned application is closed only once its day to complete has passed.
    if (application.status === 'returned' && request.to === 'rejected' && !pastCompleteBy(application, today))
      throw new ConflictError('the customer still has time to complete it')
    await moveIn(deps, trx, ctx, application, type, calendar, {
      ...request,
      completeBy:
        request.to === 'returned' && request.completeDays
          ? addBusinessDays(calendar, today, request.completeDays)
          : null,
      role: staffRole(ctx),
      documents: { count: files.length, field: 'staff' },
    })
    await attachFiles(trx, deps.files, ctx, { type: OWNER, id }, files)
  })
}

/** Staff documents (technical conditions, contract, acts) added to an application; the customer sees them. */
export async function addStaffDocuments(
  deps: ApplicationsDeps,
  ctx: RequestContext,
  id: string,
  files: readonly UploadedFile[],
): Promise<void> {
  await withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const application = await sentApplication(trx, id)
    if (!application) throw new NotFoundError(OWNER)
    await attachFiles(trx, deps.files, ctx, { type: OWNER, id }, files)
    await audit(trx, ctx, {
      action: 'application.documents-added',
      targetType: OWNER,
      targetId: id,
      details: { files: files.map((f) => f.originalName) },
    })
    await publish(trx, ctx.tenant.id, topicOf(id), { kind: 'documents' })
  })
}

export async function assignApplication(
  deps: ApplicationsDeps,
  ctx: RequestContext,
  id: string,
  assigneeId: string | null,
): Promise<void> {
  await withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const application = await sentApplication(trx, id)
    if (!application) throw new NotFoundError(OWNER)
    if (assigneeId) {
      if (!(await activeOperatorEmail(trx, assigneeId)))
        throw new InvalidFieldError('assignee', 'applications.errors.assignee')
    }
    await trx('applications').where({ id }).update({ assignee_id: assigneeId })
    await audit(trx, ctx, {
      action: 'application.assigned',
      targetType: OWNER,
      targetId: id,
      details: { assignee: assigneeId },
    })
  })
}
