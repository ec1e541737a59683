import { readFileSync } from 'node:fs'
import PDFDocument from 'pdfkit'

/** A simple document: a title, then sections of labelled values, in one font for every script. */
export interface PdfDocument {
  title: string
  subtitle?: string
  sections: { heading: string; rows: readonly (readonly [label: string, value: string])[] }[]
  footer?: string
  /** The document's date in its metadata, so the same content gives the same document. */
  createdAt: Date
  language: string
}

const fonts = new Map<string, Buffer>()
/** Fonts are read once per process (a CJK font is megabytes; a page embeds only the glyphs it uses). */
function fontBytes(file: string): Buffer {
  let bytes = fonts.get(file)
  if (!bytes) {
    bytes = readFileSync(file)
    fonts.set(file, bytes)
  }
  return bytes
}

/**
 * Renders `doc` as an A4 PDF with `font` (a TrueType font, or a face of a collection, covering every
 * script the portal speaks: Latin with Polish letters, Cyrillic, Chinese).
 */
export function renderPdf(
  doc: PdfDocument,
  font: { file: string; face: string | undefined },
): Promise<Buffer> {
  const pdf = new PDFDocument({
    size: 'A4',
    margin: 56,
    lang: doc.language,
    displayTitle: true,
    info: { Title: doc.title, Creator: 'Kabinet', CreationDate: doc.createdAt, ModDate: doc.createdAt },
  })
  const chunks: Buffer[] = []
  const done = new Promise<Buffer>((resolve, reject) => {
    pdf.on('data', (chunk: Buffer) => chunks.push(chunk))
    pdf.on('end', () => resolve(Buffer.concat(chunks)))
    pdf.on('error', reject)
  })
  pdf.registerFont('body', fontBytes(font.file), font.face)
  pdf.font('body')
  pdf.fontSize(18).text(doc.title)
  if (doc.subtitle) pdf.moveDown(0.3).fontSize(11).fillColor('#505a5f').text(doc.subtitle).fillColor('black')
  for (const section of doc.sections) {
    pdf.moveDown(1).fontSize(13).text(section.heading)
    pdf.moveDown(0.3)
    for (const [label, value] of section.rows) {
      pdf.fontSize(9).fillColor('#505a5f').text(label).fillColor('black')
      pdf.fontSize(11).text(value || '—')
      pdf.moveDown(0.4)
    }
  }
  if (doc.footer) pdf.moveDown(1).fontSize(8).fillColor('#505a5f').text(doc.footer)
  pdf.end()
  return done
}
