import { withTenant } from '../../db/tenant-scope.ts'
import { audit } from '../../platform/audit.ts'
import { staffRole, type RequestContext } from '../../platform/context.ts'
import { InvalidFieldError, NotFoundError } from '../../platform/errors.ts'
import { CONTROL_CHARACTERS, MULTI_LINE } from '../../platform/text.ts'
import { sentApplication } from './repo.ts'
import { OWNER, type ApplicationsDeps } from './service.ts'

const NOTE_MAX = 4_000
/** The newest notes an application's page shows (a longer history stays in the table). */
const NOTES_SHOWN = 100

export interface Note {
  id: string
  author_id: string | null
  /** Who wrote it, as the staff directory knows them now (also when they have left). */
  author_name: string | null
  body: string
  created_at: Date
}

/**
 * Staff's internal note on an application: kept as written (never edited), audited, and
 * shown on the staff page only — no customer page, email or live event carries it.
 */
export async function addNote(
  deps: ApplicationsDeps,
  ctx: RequestContext,
  applicationId: string,
  text: string,
): Promise<void> {
  staffRole(ctx)
  const body = text.trim()
  if (!body) throw new InvalidFieldError('note', 'applications.notes.errors.empty')
  if (!MULTI_LINE.test(body)) throw new InvalidFieldError('note', CONTROL_CHARACTERS)
  if (body.length > NOTE_MAX) throw new InvalidFieldError('note', 'applications.notes.errors.tooLong')
  await withTenant(deps.db, ctx.tenant.id, async (trx) => {
    if (!(await sentApplication(trx, applicationId))) throw new NotFoundError(OWNER)
    const [note] = await trx('application_notes')
      .insert({ tenant_id: ctx.tenant.id, application_id: applicationId, author_id: ctx.actor.id, body })
      .returning<{ id: string }[]>('id')
    await audit(trx, ctx, {
      action: 'application.note-added',
      targetType: OWNER,
      targetId: applicationId,
      details: { note: note!.id },
    })
  })
}

/** An application's newest internal notes, newest first. */
export function notesOf(deps: ApplicationsDeps, ctx: RequestContext, applicationId: string): Promise<Note[]> {
  staffRole(ctx)
  return withTenant(deps.db, ctx.tenant.id, (trx) =>
    trx('application_notes as n')
      .leftJoin('staff_directory as o', function () {
        this.on('o.id', 'n.author_id').andOn('o.tenant_id', 'n.tenant_id')
      })
      .where('n.application_id', applicationId)
      .orderBy('n.created_at', 'desc')
      .orderBy('n.id', 'desc')
      .limit(NOTES_SHOWN)
      .select<Note[]>(
        'n.id',
        'n.author_id',
        trx.raw('coalesce(o.name, o.email) AS author_name'),
        'n.body',
        'n.created_at',
      ),
  )
}
