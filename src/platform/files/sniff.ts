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
} as const
export type MediaKind = keyof typeof MEDIA_TYPES

/** The type by the file's magic bytes, if it is one of `allowed`. The client's claim is ignored. */
export async function sniff(content: Buffer, allowed: readonly MediaKind[]): Promise<MediaKind | undefined> {
  const found = await fileTypeFromBuffer(content)
  return allowed.find((kind) => MEDIA_TYPES[kind].mime === found?.mime)
}

/** An uploaded file that passed its checks, held in memory until it is stored. */
export interface AcceptedFile {
  buffer: Buffer
  originalName: string
  kind: MediaKind
  mediaType: string
}
