import { rm } from 'node:fs/promises'
import { pipeline } from 'node:stream/promises'
import sharp from 'sharp'
import { hashing } from './hashing.ts'
import type { AcceptedFile } from './sniff.ts'
import type { FileStorage } from './storage.ts'

/** A camera's photo is at most this many pixels (a 48-megapixel phone and some): more is a decompression bomb. */
const MAX_PIXELS = 60_000_000
/** Long side of a kept photo: a meter's digits stay readable, the file stays small. */
const MAX_SIDE = 2400

export class UnreadablePhotoError extends Error {}

/**
 * A customer's photo as the portal keeps it: decoded and encoded again as JPEG, turned
 * upright by its EXIF orientation, no larger than MAX_SIDE, and without any metadata —
 * no EXIF, GPS position, camera serial or embedded thumbnail survives, and bytes that
 * only pretended to be an image (a polyglot) do not either. Written to a new incoming
 * file, hashed on the way, so nothing sits in memory whole.
 */
export async function reencodePhoto(
  storage: FileStorage,
  namespace: string,
  photo: AcceptedFile,
): Promise<AcceptedFile> {
  const incoming = await storage.incoming(namespace)
  const counted = hashing()
  try {
    await pipeline(
      sharp(photo.path, { limitInputPixels: MAX_PIXELS, failOn: 'error' })
        .rotate()
        .resize({ width: MAX_SIDE, height: MAX_SIDE, fit: 'inside', withoutEnlargement: true })
        .jpeg({ quality: 85, mozjpeg: true }),
      counted.stage,
      incoming.stream,
    )
  } catch {
    await rm(incoming.path, { force: true })
    throw new UnreadablePhotoError('the image cannot be decoded')
  }
  return {
    path: incoming.path,
    ...counted.result(),
    originalName: `${photo.originalName.replace(/\.[^.]*$/, '') || 'photo'}.jpg`,
    kind: 'jpeg',
    mediaType: 'image/jpeg',
  }
}
