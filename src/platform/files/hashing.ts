import { createHash } from 'node:crypto'

/**
 * A pass-through stage for `pipeline` that hashes (SHA-256) and counts the bytes on their
 * way to disk, so a file's checksum never needs a second read.
 */
export function hashing(): {
  stage: (source: AsyncIterable<Buffer>) => AsyncGenerator<Buffer>
  result: () => { size: number; sha256: string }
} {
  const hash = createHash('sha256')
  let size = 0
  const stage = async function* (source: AsyncIterable<Buffer>) {
    for await (const chunk of source) {
      hash.update(chunk)
      size += chunk.length
      yield chunk
    }
  }
  return { stage, result: () => ({ size, sha256: hash.digest('hex') }) }
}
