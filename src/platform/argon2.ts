import { randomBytes, timingSafeEqual, type Argon2Algorithm } from 'node:crypto'
import { Worker } from 'node:worker_threads'

/**
 * argon2 hashes in PHC form, computed by Node's own argon2 (`node:crypto`, OpenSSL) on
 * worker threads of lower priority than the threads that serve pages (issue 18 item 9).
 *
 * On libuv's thread pool (where the `argon2` package ran) a burst of sign-ins took a core
 * from the event loop and Postgres at equal priority; on a worker thread that raised its
 * own nice value the scheduler gives pages the cores first, and hashing what is left: an
 * idle machine hashes as fast as before, a busy one answers sign-ins later (or 503 from the
 * bound in `passwords.ts`) instead of every page.
 */
export interface Argon2Options {
  algorithm: Argon2Algorithm
  /** KiB */
  memory: number
  passes: number
  parallelism: number
}

/** The workers' nice value: pages (0) get about nine tenths of a core they contend for. */
export const HASHING_NICE = 10

const VERSION = 19
const SALT_BYTES = 16
const TAG_BYTES = 32
const ALGORITHMS: readonly Argon2Algorithm[] = ['argon2id', 'argon2i', 'argon2d']

/** `$argon2id$v=19$m=19456,p=1,t=2$<salt>$<tag>`, the order and unpadded base64 the `argon2` package wrote. */
function encode(options: Argon2Options, salt: Buffer, tag: Buffer): string {
  const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '')
  const params = `m=${options.memory},p=${options.parallelism},t=${options.passes}`
  return `$${options.algorithm}$v=${VERSION}$${params}$${b64(salt)}$${b64(tag)}`
}

interface Parsed {
  options: Argon2Options
  salt: Buffer
  tag: Buffer
}

/** A stored hash read back; undefined for anything that is not one we can check. */
export function parseHash(hash: string): Parsed | undefined {
  const m = /^\$(argon2(?:id|i|d))\$v=(\d+)\$([a-z0-9=,]+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(hash)
  if (!m || Number(m[2]) !== VERSION) return undefined
  const params = new Map(m[3]!.split(',').map((kv) => kv.split('=') as [string, string]))
  const number = (key: string) => (/^\d{1,10}$/.test(params.get(key) ?? '') ? Number(params.get(key)) : NaN)
  const options = {
    algorithm: m[1] as Argon2Algorithm,
    memory: number('m'),
    passes: number('t'),
    parallelism: number('p'),
  }
  if (
    !ALGORITHMS.includes(options.algorithm) ||
    [options.memory, options.passes, options.parallelism].some(isNaN)
  )
    return undefined
  const salt = Buffer.from(m[4]!, 'base64')
  const tag = Buffer.from(m[5]!, 'base64')
  if (salt.length < 8 || tag.length < 4) return undefined
  return { options, salt, tag }
}

export async function hash(password: string, options: Argon2Options): Promise<string> {
  const salt = randomBytes(SALT_BYTES)
  return encode(options, salt, await derive(password, options, salt, TAG_BYTES))
}

/** False for a wrong password and for a hash that cannot be read. */
export async function verify(hash: string, password: string): Promise<boolean> {
  const parsed = parseHash(hash)
  if (!parsed) return false
  const tag = await derive(password, parsed.options, parsed.salt, parsed.tag.length)
  return timingSafeEqual(tag, parsed.tag)
}

/** A hash made with other options than today's: replaced at the next sign-in. */
export function needsRehash(hash: string, options: Argon2Options): boolean {
  const parsed = parseHash(hash)?.options
  return (
    !parsed ||
    parsed.algorithm !== options.algorithm ||
    parsed.memory !== options.memory ||
    parsed.passes !== options.passes ||
    parsed.parallelism !== options.parallelism
  )
}

interface Job {
  resolve: (tag: Buffer) => void
  reject: (err: Error) => void
}

/**
 * Idle workers wait here; a call takes one or starts one. `passwords.ts` bounds how many
 * hashes run at once, so the pool never holds more workers than that bound has allowed.
 * An idle worker does not keep the process alive, and one that dies fails only its own hash.
 */
const idle: Worker[] = []
const jobs = new WeakMap<Worker, Job>()

function startWorker(): Worker {
  // None of the process's flags: a worker refuses some (`--input-type`), and needs none.
  const worker = new Worker(new URL('./argon2.worker.ts', import.meta.url), {
    workerData: HASHING_NICE,
    execArgv: [],
  })
  worker.unref()
  const fail = (err: Error) => {
    const i = idle.indexOf(worker)
    if (i >= 0) idle.splice(i, 1)
    jobs.get(worker)?.reject(err)
    jobs.delete(worker)
  }
  worker.on('error', fail)
  worker.on('exit', (code) => fail(new Error(`argon2 worker exited (${code})`)))
  worker.on('message', (answer: { tag?: Uint8Array; error?: string }) => {
    const job = jobs.get(worker)
    jobs.delete(worker)
    worker.unref()
    idle.push(worker)
    if (answer.tag) job?.resolve(Buffer.from(answer.tag))
    else job?.reject(new Error(answer.error ?? 'argon2 failed'))
  })
  return worker
}

function derive(password: string, options: Argon2Options, salt: Buffer, tagLength: number): Promise<Buffer> {
  const worker = idle.pop() ?? startWorker()
  return new Promise<Buffer>((resolve, reject) => {
    jobs.set(worker, { resolve, reject })
    // A script awaiting a hash (a seed, a CLI) must not end before it.
    worker.ref()
    worker.postMessage({
      algorithm: options.algorithm,
      parameters: {
        message: password,
        nonce: salt,
        memory: options.memory,
        passes: options.passes,
        parallelism: options.parallelism,
        tagLength,
      },
    })
  })
}
