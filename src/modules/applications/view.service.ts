import { withTenant } from '../../db/tenant-scope.ts'
import type { RequestContext } from '../../platform/context.ts'
import { NotFoundError } from '../../platform/errors.ts'
import { attachmentsOfKinds, type Attachment } from '../../platform/files/attachments.ts'
import { statusHistory } from '../../platform/workflow/index.ts'
import { customerContact } from '../accounts/index.ts'
import type { ApplicationType } from './definition.ts'
import { findApplication, mayRead, messagesOf, type ApplicationRow, type Reader } from './repo.ts'
import { typeVersion } from './types.service.ts'
import { OWNER, type ApplicationsDeps } from './service.ts'
import { timeline, type WorkflowCode } from './workflows.ts'
import { acceptancesOf, type Acceptance } from './acceptance.service.ts'
import { receiptsOf, type ReceiptRow } from './receipt.service.ts'

/** The customer an application belongs to, as staff see them. */
export function customerOf(deps: ApplicationsDeps, ctx: RequestContext, customerId: string) {
  return withTenant(deps.db, ctx.tenant.id, (trx) => customerContact(trx, customerId))
}

export interface ApplicationView {
  application: ApplicationRow
  type: ApplicationType
  files: Attachment[]
  history: Awaited<ReturnType<typeof statusHistory>>
  timeline: ReturnType<typeof timeline>
  messages: Awaited<ReturnType<typeof messagesOf>>['messages']
  /** The conversation goes back further: the `before` of its previous page. */
  earlier: number | undefined
  /** The reader has messages they have not marked read (the page marks them; a GET never writes). */
  unread: boolean
  messageFiles: Map<string, Attachment[]>
  workflow: WorkflowCode
  /** Documents the customer accepted online (the TP contract), oldest first. */
  acceptances: Acceptance[]
  /** A PDF receipt of each submission, newest first. */
  receipts: ReceiptRow[]
  /** Who filed it for the account (a colleague or a representative), when not its own login. */
  filedBy: string | undefined
}

/**
 * Everything an application's page shows. Reading it writes nothing: the page marks the
 * messages it showed as read with a POST of its own (see markRead). A customer sees only
 * their own (anything else is not found).
 */
export async function viewApplication(
  deps: ApplicationsDeps,
  ctx: RequestContext,
  id: string,
  reader: Reader,
  options: { before?: number } = {},
): Promise<ApplicationView> {
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const application = await findApplication(trx, id)
    if (!application || !mayRead(application, reader)) throw new NotFoundError(OWNER)
    const type = await typeVersion(deps, ctx, trx, application.type_id)
    const history = await statusHistory(trx, { type: OWNER, id })
    const { messages, more } = await messagesOf(trx, id, options.before)
    const files = await attachmentsOfKinds(trx, {
      [OWNER]: [id],
      'application-message': messages.map((m) => m.id),
    })
    const column = reader.side === 'customer' ? 'customer_read_n' : 'staff_read_n'
    return {
      application,
      type,
      files: files.get(OWNER)?.get(id) ?? [],
      history,
      timeline: timeline(type.definition.workflow, application.status, history),
      messages,
      earlier: more ? Number(messages[0]!.n) : undefined,
      unread: Number(application[column]) < Number(application.last_message_n),
      messageFiles: files.get('application-message') ?? new Map<string, Attachment[]>(),
      workflow: type.definition.workflow,
      acceptances: await acceptancesOf(trx, id),
      receipts: await receiptsOf(trx, id),
      filedBy: application.filed_by ? (await customerContact(trx, application.filed_by))?.name : undefined,
    }
  })
}

/** Whether a requester may download an application's file (its owner, or this tenant's staff). */
export async function mayReadApplicationFile(
  deps: ApplicationsDeps,
  ctx: RequestContext,
  attachment: Attachment,
  applicationId: string,
  reader: Reader,
): Promise<boolean> {
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const application = await findApplication(trx, applicationId)
    if (!application || !mayRead(application, reader)) return false
    if (attachment.owner.type === OWNER) return attachment.owner.id === applicationId
    if (attachment.owner.type === 'application-message') {
      const message = await trx('application_messages')
        .where({ id: attachment.owner.id })
        .first<{ application_id: string } | undefined>('application_id')
      return message?.application_id === applicationId
    }
    return false
  })
}
