import { createHash, randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import type { Readable } from 'node:stream'

export interface StoredObject {
  key: string
  sha256: string
  size: number
}

export interface FileStorage {
  /** Stores bytes under a new key inside `namespace` (the tenant's id). */
  put(namespace: string, content: Buffer): Promise<StoredObject>
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
 * directory per tenant. Written to a temporary file, fsynced, then renamed, so a crash
 * never leaves a half-written object under a real key.
 */
export function localDiskStorage(root: string): FileStorage {
  const pathOf = (key: string) => {
    if (!KEY.test(key)) throw new Error('invalid storage key')
    return path.join(root, key)
  }
  return {
    async put(namespace, content) {
      if (!NAMESPACE.test(namespace)) throw new Error('invalid storage namespace')
      const id = randomBytes(20).toString('hex')
      const key = `${namespace}/${id.slice(0, 2)}/${id.slice(2, 4)}/${id}`
      const target = pathOf(key)
      await mkdir(path.dirname(target), { recursive: true })
      const temp = `${target}.tmp`
      const handle = await open(temp, 'wx', 0o600)
      try {
        await handle.writeFile(content)
        await handle.sync()
      } finally {
        await handle.close()
      }
      await rename(temp, target)
      return { key, sha256: createHash('sha256').update(content).digest('hex'), size: content.length }
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
