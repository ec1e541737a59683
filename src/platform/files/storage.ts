import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import type { Readable, Writable } from 'node:stream'

export interface StoredObject {
  key: string
  sha256: string
  size: number
}

/** A file still arriving: written to `path`, kept under a real key only once complete. */
export interface IncomingFile {
  path: string
  stream: Writable
}

export interface FileStorage {
  /**
   * A temporary file inside `namespace` (the tenant's id) for bytes as they arrive, so an
   * upload never sits in memory; one that is never kept is removed by its request or,
   * after a crash, by the sweep.
   */
  incoming(namespace: string): Promise<IncomingFile>
  /** Moves a complete incoming file under a new key; its checksum was taken as it arrived. */
  keep(
    namespace: string,
    incomingPath: string,
    checked: { sha256: string; size: number },
  ): Promise<StoredObject>
  read(key: string): Readable
  remove(key: string): Promise<void>
  /** Keys in `namespace` last written before `before`; leftover temporary files are removed on the way. */
  listOlderThan(namespace: string, before: Date): Promise<string[]>
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'
const KEY = new RegExp(`^${UUID}/[a-f0-9]{2}/[a-f0-9]{2}/[a-f0-9]{40}$`)
const NAMESPACE = new RegExp(`^${UUID}$`)

/**
 * Objects on local disk under server-generated keys (never a user's file name), one
 * directory per tenant. Bytes arrive in a temporary file in the same directory tree,
 * fsynced, then renamed, so a crash never leaves a half-written object under a real key.
 */
export function localDiskStorage(root: string): FileStorage {
  const pathOf = (key: string) => {
    if (!KEY.test(key)) throw new Error('invalid storage key')
    return path.join(root, key)
  }
  const incomingDir = (namespace: string) => {
    if (!NAMESPACE.test(namespace)) throw new Error('invalid storage namespace')
    return path.join(root, namespace, 'incoming')
  }
  return {
    async incoming(namespace) {
      const dir = incomingDir(namespace)
      await mkdir(dir, { recursive: true })
      const file = path.join(dir, `${randomBytes(20).toString('hex')}.tmp`)
      // `flush` syncs the data before the descriptor closes: a kept object is on disk.
      const stream = createWriteStream(file, { flags: 'wx', mode: 0o600, flush: true })
      // Opened before anyone learns the path: a stream opens its file later, on its own,
      // so a clean-up that removed the path first would find nothing, and the file would
      // then appear and stay (seen when a malformed upload was cut off mid-file).
      await once(stream, 'open')
      return { path: file, stream }
    },
    async keep(namespace, incomingPath, checked) {
      if (path.dirname(incomingPath) !== incomingDir(namespace) || !incomingPath.endsWith('.tmp'))
        throw new Error('not an incoming file of this namespace')
      const id = randomBytes(20).toString('hex')
      const key = `${namespace}/${id.slice(0, 2)}/${id.slice(2, 4)}/${id}`
      const target = pathOf(key)
      await mkdir(path.dirname(target), { recursive: true })
      await rename(incomingPath, target)
      return { key, sha256: checked.sha256, size: checked.size }
    },
    read: (key) => createReadStream(pathOf(key)),
    async remove(key) {
      await rm(pathOf(key), { force: true })
    },
    async listOlderThan(namespace, before) {
      if (!NAMESPACE.test(namespace)) throw new Error('invalid storage namespace')
      const dir = path.join(root, namespace)
      const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])
      const keys: string[] = []
      for (const entry of entries.filter((e) => e.isFile())) {
        const full = path.join(entry.parentPath, entry.name)
        if ((await stat(full)).mtime >= before) continue
        if (entry.name.endsWith('.tmp')) await rm(full, { force: true })
        else keys.push(path.relative(root, full).split(path.sep).join('/'))
      }
      return keys.filter((k) => KEY.test(k))
    },
  }
}
