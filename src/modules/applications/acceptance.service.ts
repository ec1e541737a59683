import type { Knex } from 'knex'
import { withTenant } from '../../db/tenant-scope.ts'
import { audit } from '../../platform/audit.ts'
import type { RequestContext } from '../../platform/context.ts'
import { ConflictError, InvalidFieldError, NotFoundError } from '../../platform/errors.ts'
import { attachmentsOf } from '../../platform/files/attachments.ts'
import { publish } from '../../platform/live.ts'
import { CONTROL_CHARACTERS, SINGLE_LINE } from '../../platform/text.ts'
import type { ApplicationRow } from './repo.ts'
import { OWNER, topicOf, type ApplicationsDeps } from './service.ts'

/** The step whose document (the TP contract) the customer accepts online. */
export const ACCEPTED_IN = 'contract'

export interface Acceptance {
  attachment_id: string
  file_name: string
  sha256: string
  signer_name: string
  accepted_at: Date
}

export function acceptancesOf(db: Knex, applicationId: string): Promise<Acceptance[]> {
  return db('application_acceptances')
    .where({ application_id: applicationId })
    .orderBy('accepted_at')
    .select<Acceptance[]>('attachment_id', 'file_name', 'sha256', 'signer_name', 'accepted_at')
}

/**
 * The customer accepts a document staff sent with the contract step, online: a named
 * acceptance (the name they type, and a tick that they read it) of exactly that file, by
 * its SHA-256, with the time and address — kept, audited, shown to both sides. Only the
 * application's own customer, only in the contract step, only a staff document of it.
 */
export async function acceptDocument(
  deps: ApplicationsDeps,
  ctx: RequestContext,
  customerId: string,
  applicationId: string,
  input: { attachmentId: string; name: string; confirmed: boolean },
): Promise<void> {
  const name = input.name.trim()
  if (name.length < 2 || name.length > 200)
    throw new InvalidFieldError('signer', 'applications.accept.errors.name')
  if (!SINGLE_LINE.test(name)) throw new InvalidFieldError('signer', CONTROL_CHARACTERS)
  if (!input.confirmed) throw new InvalidFieldError('confirm', 'applications.accept.errors.confirm')
  await withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const application = await trx('applications')
      .where({ id: applicationId, customer_id: customerId })
      .forUpdate()
      .first<ApplicationRow | undefined>()
    if (!application) throw new NotFoundError(OWNER)
    if (application.status !== ACCEPTED_IN) throw new ConflictError(`application is ${application.status}`)
    const document = (await attachmentsOf(trx, { type: OWNER, id: applicationId })).find(
      (a) => a.attachmentId === input.attachmentId && a.field === 'staff',
    )
    if (!document) throw new InvalidFieldError('document', 'applications.accept.errors.document')
    const inserted = await trx('application_acceptances')
      .insert({
        tenant_id: ctx.tenant.id,
        application_id: applicationId,
        attachment_id: document.attachmentId,
        file_name: document.originalName,
        sha256: document.sha256,
        customer_id: customerId,
        signer_name: name,
        ip: ctx.ip ?? null,
      })
      .onConflict(['tenant_id', 'application_id', 'attachment_id'])
      .ignore()
      .returning('id')
    // Accepting the same document again (a second click, a resent form) changes nothing.
    if (inserted.length === 0) return
    await audit(trx, ctx, {
      action: 'application.accepted',
      targetType: OWNER,
      targetId: applicationId,
      details: { document: document.originalName, sha256: document.sha256, name },
    })
    await publish(trx, ctx.tenant.id, topicOf(applicationId), { kind: 'accepted' })
  })
}
