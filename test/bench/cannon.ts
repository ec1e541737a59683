/**
 * The bench's load generator, in a process of its own (`load.ts` forks it once): in the
 * bench's process it took CPU time and event-loop turns from the servers it measured —
 * a larger share of a light page's, so it flattered the ratios to the minimal app — and
 * added its own work to the event-loop delay the sign-in figures report.
 */
import { readFileSync } from 'node:fs'
import autocannon from 'autocannon'

export interface Load {
  rps: number
  p99: number
  total: number
  non2xx: number
  refused: number
  statusCodes: unknown
  /** The machine's idle share of CPU time during the load (all cores): 0 means saturated. */
  idle: number
}

/** Idle and total CPU time of the machine so far (Linux /proc/stat, every core). */
function cpuTimes(): { idle: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number)
  return { idle: fields[3]! + fields[4]!, total: fields.reduce((a, b) => a + b, 0) }
}

process.on('message', (options: autocannon.Options) => {
  const before = cpuTimes()
  void autocannon(options).then((r) => {
    const after = cpuTimes()
    const load: Load = {
      rps: r.requests.average,
      p99: r.latency.p99,
      total: r.requests.total,
      non2xx: r.non2xx + r.errors,
      refused: r['4xx'] + r['5xx'] + r.errors,
      statusCodes: r.statusCodeStats,
      idle: (after.idle - before.idle) / Math.max(1, after.total - before.total),
    }
    process.send!(load)
  })
})
// The bench ended (or died): nothing is left to measure.
process.on('disconnect', () => process.exit(0))
