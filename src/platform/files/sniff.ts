import { createReadStream } from 'node:fs'
import { fileTypeFromFile } from 'file-type'

/** Media types we ever accept; SVG and HTML are never among them (they can carry script). */
export const MEDIA_TYPES = {
  pdf: { mime: 'application/pdf', label: 'PDF' },
  png: { mime: 'image/png', label: 'PNG' },
  jpeg: { mime: 'image/jpeg', label: 'JPEG' },
  xml: { mime: 'application/xml', label: 'XML' },
  zip: { mime: 'application/zip', label: 'ZIP' },
  docx: { mime: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', label: 'DOCX' },
  xlsx: { mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', label: 'XLSX' },
  csv: { mime: 'text/csv', label: 'CSV' },
} as const
export type MediaKind = keyof typeof MEDIA_TYPES

/**
 * The type of the file at `file` by its magic bytes, if it is one of `allowed`. The
 * client's claim is ignored; only the bytes the detector needs are read.
 */
export async function sniff(file: string, allowed: readonly MediaKind[]): Promise<MediaKind | undefined> {
  const found = await fileTypeFromFile(file)
  // Plain text has no magic bytes: a CSV is what is left when nothing binary was found and
  // the bytes are UTF-8 without control characters other than tab and line ends.
  if (!found && allowed.includes('csv') && (await isPlainText(file))) return 'csv'
  // An XML document need not declare itself (80020 files often start at `<message`): a
  // markup start is enough here; the reader that takes the kind checks the rest.
  if (!found && allowed.includes('xml') && (await startsWithMarkup(file))) return 'xml'
  return allowed.find((kind) => MEDIA_TYPES[kind].mime === found?.mime)
}

async function startsWithMarkup(file: string): Promise<boolean> {
  for await (const chunk of createReadStream(file, { start: 0, end: 255 }) as AsyncIterable<Buffer>) {
    const text = chunk
      .toString('latin1')
      .replace(/^\xef\xbb\xbf/, '')
      .trimStart()
    return /^<[A-Za-z?!]/.test(text)
  }
  return false
}

/** Read as a stream: a text file is checked whole without being held whole. */
async function isPlainText(file: string): Promise<boolean> {
  const decoder = new TextDecoder('utf-8', { fatal: true })
  const clean = (text: string) => {
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i)
      if ((code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || code === 0x7f) return false
    }
    return true
  }
  try {
    for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>)
      if (!clean(decoder.decode(chunk, { stream: true }))) return false
    return clean(decoder.decode())
  } catch {
    return false
  }
}

/** An uploaded file that passed its checks, on disk until it is kept or the request ends. */
export interface AcceptedFile {
  /** The incoming file's path (see FileStorage.incoming). */
  path: string
  size: number
  sha256: string
  originalName: string
  kind: MediaKind
  mediaType: string
}
