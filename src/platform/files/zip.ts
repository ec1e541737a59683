import { inflateRawSync } from 'node:zlib'

/** Why an archive is refused before anything reads it. */
export class ZipLimitError extends Error {}

const EOCD = 0x06054b50
const CENTRAL = 0x02014b50
const LOCAL = 0x04034b50

/**
 * Checks a ZIP archive (an XLSX is one) against a cap on what it unpacks to, before any
 * library inflates it: a 2 MB file can unpack to gigabytes. The sizes the central
 * directory declares must stay under `maxBytes` together, and each entry is inflated
 * with its declared size as a hard limit, so an entry lying about its size is caught
 * without ever holding more than the cap. ZIP64 (only needed beyond 4 GB) and encrypted
 * entries are refused. Readers that use the central directory (fflate's `unzip`) read
 * exactly the entries checked here.
 */
export function checkZip(archive: Buffer, limits: { maxBytes: number; maxEntries: number }): void {
  const end = findEnd(archive)
  const entries = archive.readUInt16LE(end + 10)
  const directoryOffset = archive.readUInt32LE(end + 16)
  if (entries === 0xffff || directoryOffset === 0xffffffff) throw new ZipLimitError('zip64')
  if (entries > limits.maxEntries) throw new ZipLimitError('too many entries')
  let total = 0
  let at = directoryOffset
  for (let i = 0; i < entries; i++) {
    if (at + 46 > archive.length || archive.readUInt32LE(at) !== CENTRAL)
      throw new ZipLimitError('bad directory')
    const flags = archive.readUInt16LE(at + 8)
    const method = archive.readUInt16LE(at + 10)
    const compressed = archive.readUInt32LE(at + 20)
    const declared = archive.readUInt32LE(at + 24)
    const local = archive.readUInt32LE(at + 42)
    at += 46 + archive.readUInt16LE(at + 28) + archive.readUInt16LE(at + 30) + archive.readUInt16LE(at + 32)
    if (flags & 1) throw new ZipLimitError('encrypted')
    total += declared
    if (total > limits.maxBytes) throw new ZipLimitError('too large')
    if (local + 30 > archive.length || archive.readUInt32LE(local) !== LOCAL)
      throw new ZipLimitError('bad entry')
    const start = local + 30 + archive.readUInt16LE(local + 26) + archive.readUInt16LE(local + 28)
    const data = archive.subarray(start, start + compressed)
    if (method === 0) {
      if (compressed !== declared) throw new ZipLimitError('bad stored entry')
    } else if (method === 8) {
      try {
        inflateRawSync(data, { maxOutputLength: Math.max(1, declared) })
      } catch {
        throw new ZipLimitError('entry larger than declared, or corrupt')
      }
    } else throw new ZipLimitError('unknown method')
  }
}

function findEnd(archive: Buffer): number {
  // The end record is the last 22 bytes, unless an archive comment (≤ 65,535 bytes) follows.
  for (let at = archive.length - 22; at >= Math.max(0, archive.length - 22 - 0xffff); at--)
    if (archive.readUInt32LE(at) === EOCD) return at
  throw new ZipLimitError('not a zip archive')
}
