import { createHash, randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, open, rename, rm } from 'node:fs/promises'
import path from 'node:path'
import type { Readable } from 'node:stream'

export interface StoredObject {
  key: string
  sha256: string
  size: number
}

export interface FileStorage {
  put(content: Buffer): Promise<StoredObject>
  read(key: string): Readable
  remove(key: string): Promise<void>
}

const KEY = /^[a-f0-9]{2}\/[a-f0-9]{2}\/[a-f0-9]{40}$/

/**
 * Objects on local disk under server-generated keys (never a user's file name).
 * Written to a temporary file, fsynced, then renamed, so a crash never leaves a
 * half-written object under a real key.
 */
export function localDiskStorage(root: string): FileStorage {
  const pathOf = (key: string) => {
    if (!KEY.test(key)) throw new Error('invalid storage key')
    return path.join(root, key)
  }
  return {
    async put(content) {
      const id = randomBytes(20).toString('hex')
      const key = `${id.slice(0, 2)}/${id.slice(2, 4)}/${id}`
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
  }
}
