import type { Response } from 'express'
import type { Readable } from 'node:stream'
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
  await pipeline(body, res)
}
