import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { csvDelimiter, safeCell, writeCsv } from '../../src/platform/csv.ts'

async function csvOf(rows: string[][], locale: 'en' | 'pl'): Promise<string> {
  const chunks: Buffer[] = []
  const out = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(Buffer.from(chunk))
      cb()
    },
  })
  await writeCsv(
    out,
    [
      { header: 'A', value: (r: string[]) => r[0] },
      { header: 'B', value: (r: string[]) => r[1] },
    ],
    rows,
    locale,
  )
  return Buffer.concat(chunks).toString('utf8')
}

describe('CSV exports', () => {
  it('use the delimiter spreadsheets expect where the decimal separator is a comma', () => {
    expect(csvDelimiter('pl')).toBe(';')
    expect(csvDelimiter('ru')).toBe(';')
    expect(csvDelimiter('en')).toBe(',')
    expect(csvDelimiter('zh-CN')).toBe(',')
  })

  it('defuse cells a spreadsheet would run as formulas', () => {
    for (const evil of ['=HYPERLINK("x")', '+1+1', '-2+3', '@SUM(A1)', '\tx'])
      expect(safeCell(evil)).toBe(`'${evil}`)
    expect(safeCell('Zakład Energetyczny')).toBe('Zakład Energetyczny')
    expect(safeCell(null)).toBe('')
    expect(safeCell(12.5)).toBe('12.5')
  })

  it('start with a byte-order mark, quote what needs quoting and keep Cyrillic and Chinese intact', async () => {
    const text = await csvOf(
      [
        ['Иванов; Пётр', '电网 "A"'],
        ['=1+1', 'ok'],
      ],
      'pl',
    )
    expect(text.charCodeAt(0)).toBe(0xfeff)
    expect(text.slice(1)).toBe('A;B\r\n"Иванов; Пётр";"电网 ""A"""\r\n\'=1+1;ok\r\n')
  })
})
