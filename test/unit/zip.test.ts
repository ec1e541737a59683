import writeXlsxFile from 'write-excel-file/node'
import { describe, expect, it } from 'vitest'
import { checkZip, ZipLimitError } from '../../src/platform/files/zip.ts'
import { zip } from '../helpers/zip.ts'

const LIMITS = { maxBytes: 1024 * 1024, maxEntries: 10 }

describe('checkZip: what an archive unpacks to, before a library inflates it', () => {
  it('passes a real workbook and a small archive', async () => {
    const workbook = await writeXlsxFile([[{ value: 'start' }, { value: 'WIND-1' }]]).toBuffer()
    expect(() => checkZip(workbook, LIMITS)).not.toThrow()
    expect(() => checkZip(zip([{ name: 'a.xml', content: Buffer.alloc(1000, 0x20) }]), LIMITS)).not.toThrow()
  })

  it('refuses an archive whose declared sizes pass the cap together', () => {
    const half = Buffer.alloc(600 * 1024, 0x20)
    const archive = zip([
      { name: 'a.xml', content: half },
      { name: 'b.xml', content: half },
    ])
    expect(archive.length).toBeLessThan(10 * 1024)
    expect(() => checkZip(archive, LIMITS)).toThrow(ZipLimitError)
  })

  it('refuses an entry that inflates to more than it declares', () => {
    // 50 MB of spaces that claim to be 1 KB: inflating stops at 1 KB.
    const liar = zip([
      { name: 'xl/worksheets/sheet1.xml', content: Buffer.alloc(50 * 1024 * 1024, 0x20), declaredSize: 1024 },
    ])
    expect(() => checkZip(liar, LIMITS)).toThrow(ZipLimitError)
  })

  it('refuses too many entries, garbage, and a file that is not an archive', () => {
    const many = zip(Array.from({ length: 11 }, (_, i) => ({ name: `${i}.xml`, content: Buffer.from('x') })))
    expect(() => checkZip(many, LIMITS)).toThrow(ZipLimitError)
    expect(() => checkZip(Buffer.from('start;WIND-1\n'), LIMITS)).toThrow(ZipLimitError)
    expect(() => checkZip(Buffer.alloc(0), LIMITS)).toThrow(ZipLimitError)
    const cut = zip([{ name: 'a.xml', content: Buffer.alloc(1000, 0x20) }])
    cut.writeUInt32LE(cut.length + 10, cut.length - 6)
    expect(() => checkZip(cut, LIMITS)).toThrow(ZipLimitError)
  })
})
