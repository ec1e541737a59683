import type { Request, Response } from 'express'
import { formText, type FieldError } from '../../http/forms.ts'
import type { UploadField } from '../../http/upload.ts'
import { CONTROL_CHARACTERS, MULTI_LINE } from '../../platform/text.ts'
import type { ApplicationView } from './view.service.ts'
import { applicationsSettings } from './settings.ts'

export const MESSAGE_MAX = 4_000

/** A posted form's fields (multer or the urlencoded parser filled it, or nothing did). */
export const formBody = (req: Request): Record<string, unknown> => (req.body ?? {}) as Record<string, unknown>

/** A chat message's files: scans and photos, as many as the tenant allows per upload. */
export function messageUploads(_req: Request, res: Response): UploadField[] {
  const { maxFileMb, maxFiles } = applicationsSettings.of(res.locals.tenant!)
  return [
    { field: 'files', allow: ['pdf', 'jpeg', 'png', 'zip'], maxBytes: maxFileMb * 1024 * 1024, maxFiles },
  ]
}

/** A posted chat message: words, files, or both; never nothing. */
export function readMessage(req: Request, res: Response): { body: string; errors: FieldError[] } {
  const body = formText(req, 'body').trim()
  const errors: FieldError[] = [...(req.upload?.errors ?? [])]
  const add = (key: string) => errors.unshift({ field: 'body', text: res.locals.t(key), href: '#body' })
  if (!MULTI_LINE.test(body)) add(CONTROL_CHARACTERS)
  else if (body.length > MESSAGE_MAX) add('applications.chat.errors.tooLong')
  else if (!body && !(req.upload?.files.length ?? 0) && !errors.length) add('applications.chat.errors.empty')
  return { body, errors }
}

/** The newest message number a reader saw on the live page (`n` of the read request), if it is one. */
export function readUpTo(req: Request): number | undefined {
  const n = Number(formText(req, 'n'))
  return Number.isSafeInteger(n) && n > 0 ? n : undefined
}

/** `?before=` of an application's page: show the conversation's messages before that one. */
export function earlierThan(req: Request): number | undefined {
  const n = Number(req.query.before)
  return typeof req.query.before === 'string' && Number.isSafeInteger(n) && n > 0 ? n : undefined
}

/** What the conversation part of an application's page needs, for either side. */
export function chatPage(res: Response, shown: ApplicationView, base: string) {
  return {
    base,
    messages: shown.messages.map((m) => ({ ...m, files: shown.messageFiles.get(m.id) ?? [] })),
    liveUrl: `${base}/live`,
    readUrl: `${base}/read`,
    unread: shown.unread,
    newestShown: shown.messages.at(-1)?.n,
    earlierHref: shown.earlier ? `${base}?before=${shown.earlier}#chat` : undefined,
    me: res.locals.operator ? 'operator' : 'customer',
  }
}
