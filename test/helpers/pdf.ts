import { inflateSync } from 'node:zlib'

/** A PDF's streams, inflated where compressed. */
function streams(pdf: Buffer): string[] {
  const s = pdf.toString('latin1')
  const out: string[] = []
  const start = /stream\r?\n/g
  for (let m = start.exec(s); m; m = start.exec(s)) {
    const from = m.index + m[0].length
    const body = Buffer.from(s.slice(from, s.indexOf('endstream', from)), 'latin1')
    try {
      out.push(inflateSync(body).toString('latin1'))
    } catch {
      out.push(body.toString('latin1'))
    }
  }
  return out
}

/**
 * The text of a PDF written with one embedded (Identity-H) font, the way pdfkit writes it:
 * each `[<glyph ids>] TJ` is a line, glyph ids mapped back to characters through the font's
 * ToUnicode map. Enough to read back a document the portal generated; not a general parser.
 */
export function pdfText(pdf: Buffer): string {
  const all = streams(pdf)
  const toUnicode = new Map<number, string>()
  for (const cmap of all.filter((x) => x.includes('begincmap'))) {
    for (const [, first, body] of cmap.matchAll(/<([0-9a-f]{4})> <[0-9a-f]{4}> \[([^\]]*)\]/g)) {
      const codes = [...body!.matchAll(/<([0-9a-f]+)>/g)].map((c) => c[1]!)
      codes.forEach((hex, i) => {
        const chars = hex.match(/.{4}/g)!.map((u) => String.fromCharCode(parseInt(u, 16)))
        toUnicode.set(parseInt(first!, 16) + i, chars.join(''))
      })
    }
  }
  const lines: string[] = []
  for (const content of all.filter((x) => x.includes(' TJ'))) {
    for (const [, array] of content.matchAll(/\[([^\]]*)\] TJ/g)) {
      const glyphs = [...array!.matchAll(/<([0-9a-f]+)>/g)].flatMap((g) => g[1]!.match(/.{4}/g) ?? [])
      lines.push(glyphs.map((g) => toUnicode.get(parseInt(g, 16)) ?? '\uFFFD').join(''))
    }
  }
  return lines.join('\n')
}

/** How many pages a PDF has. */
export const pdfPages = (pdf: Buffer): number =>
  (pdf.toString('latin1').match(/\/Type \/Page\b/g) ?? []).length
