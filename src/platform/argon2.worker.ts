import { argon2Sync, type Argon2Algorithm, type Argon2Parameters } from 'node:crypto'
import { setPriority } from 'node:os'
import { parentPort, workerData } from 'node:worker_threads'

/**
 * One argon2 at a time, on this thread, at the lower priority `argon2.ts` asks for (its
 * `workerData`). On Linux a nice value belongs to the thread that sets it.
 */
try {
  setPriority(workerData as number)
} catch {
  // Where a thread may not lower its own priority, hashing runs at the process's.
}

parentPort?.on('message', (job: { algorithm: Argon2Algorithm; parameters: Argon2Parameters }) => {
  try {
    parentPort!.postMessage({ tag: argon2Sync(job.algorithm, job.parameters) })
  } catch (err) {
    parentPort!.postMessage({ error: err instanceof Error ? err.message : String(err) })
  }
})
