import { fileTypeFromBuffer } from 'file-type'

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

/** The type by the file's magic bytes, if it is one of `allowed`. The client's claim is ignored. */
export async function sniff(content: Buffer, allowed: readonly MediaKind[]): Promise<MediaKind | undefined> {
  const found = await fileTypeFromBuffer(content)
  // Plain text has no magic bytes: a CSV is what is left when nothing binary was found and
  // the bytes are UTF-8 without control characters other than tab and line ends.
  if (!found && allowed.includes('csv') && isPlainText(content)) return 'csv'
  return allowed.find((kind) => MEDIA_TYPES[kind].mime === found?.mime)
}

function isPlainText(content: Buffer): boolean {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(content)
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i)
      if ((code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || code === 0x7f) return false
    }
    return true
  } catch {
    return false
  }
}

/** An uploaded file that passed its checks, held in memory until it is stored. */
export interface AcceptedFile {
  buffer: Buffer
  originalName: string
  kind: MediaKind
  mediaType: string
}
