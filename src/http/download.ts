import type { Request, RequestHandler, Response } from 'express'
import type { Knex } from 'knex'
import { withTenant } from '../db/tenant-scope.ts'
import type { RequestContext } from '../platform/context.ts'
import { NotFoundError } from '../platform/errors.ts'
import { findAttachment, type Attachment } from '../platform/files/attachments.ts'
import type { FileStorage } from '../platform/files/storage.ts'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'

/** RFC 5987 `filename*`, plus an ASCII fallback with anything risky replaced. */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\;]/g, '_') || 'download'
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  )
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`
}

/**
 * Sends a stored file that the caller has already authorised. Always an attachment,
 * never sniffed, and sandboxed in case a browser renders it anyway.
 */
export async function sendAttachment(
  res: Response,
  file: { originalName: string; mediaType: string; size: number },
  body: Readable,
): Promise<void> {
  res.set({
    'Content-Type': file.mediaType,
    'Content-Length': String(file.size),
    'Content-Disposition': contentDisposition(file.originalName),
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "sandbox; default-src 'none'",
    'Cache-Control': 'private, no-store',
  })
  try {
    await pipeline(body, res)
  } catch (err) {
    // The reader went away mid-download (closed the tab, a client that read only the head):
    // nothing to answer and nothing wrong on our side.
    if ((err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw err
  }
}

/** A document made by the portal (a receipt), sent like a stored file. */
export function sendPdf(res: Response, doc: { filename: string; pdf: Buffer }): Promise<void> {
  return sendAttachment(
    res,
    { originalName: doc.filename, mediaType: 'application/pdf', size: doc.pdf.length },
    Readable.from([doc.pdf]),
  )
}

/**
 * The one download route for attachments (`…/:attachmentId`): the attachment must be this
 * tenant's (RLS) and `authorise` must say this requester may see its owner; anything else
 * is a 404, so ids cannot be probed. Modules only say who may see what.
 */
export function attachmentDownload(
  deps: { db: Knex; files: FileStorage },
  authorise: (ctx: RequestContext, attachment: Attachment, req: Request) => Promise<boolean> | boolean,
): RequestHandler {
  return async (req, res) => {
    const ctx = res.locals.ctx
    const id = String(req.params.attachmentId)
    const attachment = await withTenant(deps.db, ctx.tenant.id, (trx) => findAttachment(trx, id))
    if (!attachment || !(await authorise(ctx, attachment, req))) throw new NotFoundError('attachment')
    await sendAttachment(res, attachment, deps.files.read(attachment.storageKey))
  }
}
