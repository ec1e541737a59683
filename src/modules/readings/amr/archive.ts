import type { Refusal } from './refusal.ts'
import type { Readable } from 'node:stream'
import yauzl from 'yauzl'
import type { IngestFile } from './ingest.ts'

/** At most this many files in one archive, unpacking to at most this much together. */
const LIMITS = { entries: 1_000, bytes: 4 * 1024 ** 3 }

/** An archive the batch cannot take: why, in the words the import page shows. */
export class ArchiveRefusedError extends Error {
  readonly refusal: Refusal
  constructor(message: string, refusal: Refusal) {
    super(message)
    this.refusal = refusal
  }
}

/**
 * The 80020 files inside a ZIP archive on disk (item 12), each to be read as often as the
 * import needs, straight from the archive (never unpacked whole, never held in memory).
 * The central directory is read first: an encrypted entry, a name that is not `.xml`, more
 * than LIMITS.entries files or more than LIMITS.bytes unpacked refuse the archive before
 * anything is loaded; yauzl checks each entry's real size against the declared one as it
 * inflates. Folders and macOS's `__MACOSX/` shadows are passed over. `close` when done.
 */
export async function zipEntries(
  path: string,
  archiveName: string,
): Promise<{ files: IngestFile[]; bytes: number; close(): void }> {
  let zip: yauzl.ZipFile
  try {
    zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false, strictFileNames: true })
  } catch (err) {
    throw new ArchiveRefusedError(`not a ZIP archive (${(err as Error).message})`, {
      key: 'notZip',
      detail: (err as Error).message,
    })
  }
  const entries: yauzl.Entry[] = []
  let bytes = 0
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', reject)
      zip.on('end', () => resolve())
      zip.on('entry', (entry: yauzl.Entry) => {
        const name = entry.fileName
        if (name.endsWith('/') || name.startsWith('__MACOSX/')) return zip.readEntry()
        if (entry.isEncrypted())
          return reject(new ArchiveRefusedError(`${name}: encrypted`, { key: 'encrypted', params: { name } }))
        if (!/\.xml$/i.test(name))
          return reject(
            new ArchiveRefusedError(`${name}: not an .xml file`, { key: 'notXml', params: { name } }),
          )
        bytes += entry.uncompressedSize
        entries.push(entry)
        if (entries.length > LIMITS.entries)
          return reject(
            new ArchiveRefusedError(`more than ${LIMITS.entries} files`, {
              key: 'tooManyFiles',
              params: { count: LIMITS.entries },
            }),
          )
        if (bytes > LIMITS.bytes)
          return reject(new ArchiveRefusedError('unpacks to more than 4 GB', { key: 'tooLarge' }))
        zip.readEntry()
      })
      zip.readEntry()
    })
  } catch (err) {
    zip.close()
    if (err instanceof ArchiveRefusedError) throw err
    throw new ArchiveRefusedError(`a damaged ZIP archive (${(err as Error).message})`, {
      key: 'damaged',
      detail: (err as Error).message,
    })
  }
  return {
    files: entries.map((entry) => ({
      name: `${archiveName}/${entry.fileName}`,
      open: (): Promise<Readable> => zip.openReadStreamPromise(entry),
    })),
    bytes,
    close: () => zip.close(),
  }
}
