/**
 * What the ops smoke checks share: Debian's PostgreSQL in a scratch cluster with the roles
 * of docker/postgres-init.sh, the portal as a child process in production mode, plain
 * HTTP with a Host of our choosing, and a list of named checks with an exit code.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chownSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { userInfo } from 'node:os'
import path from 'node:path'
import { freePort } from '../../src/db/embedded.ts'

export const ROOT = path.resolve(import.meta.dirname, '../..')
export const HOST = 'portal.acme.example'
const asRoot = process.getuid?.() === 0

function postgresBin(): string {
  const base = '/usr/lib/postgresql'
  const versions = existsSync(base) ? readdirSync(base).filter((v) => /^\d+$/.test(v)) : []
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0]
  if (!newest)
    throw new Error(`Debian's PostgreSQL is not installed (no ${base}/*): apt-get install postgresql`)
  return path.join(base, newest, 'bin')
}

/** util-linux's runuser lives in sbin, which a minimal PATH may not include. */
const RUNUSER =
  ['/usr/sbin/runuser', '/sbin/runuser', '/usr/bin/runuser'].find((p) => existsSync(p)) ?? 'runuser'

/** Runs a PostgreSQL tool as the cluster's owner (the postgres user when we are root). */
function asPostgres(file: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
  const command = asRoot ? RUNUSER : file
  const argv = asRoot
    ? ['-u', 'postgres', '--', 'env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), file, ...args]
    : args
  return execFileSync(command, argv, { encoding: 'utf8', env: { ...process.env, ...env }, stdio: 'pipe' })
}

export interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** One request to 127.0.0.1:`port` (fetch would not send our Host header). */
export function send(
  port: number,
  method: string,
  pathName: string,
  headers: Record<string, string> = {},
  body?: string | Buffer,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: pathName, method, headers }, (res) => {
      let text = ''
      res.on('data', (c: Buffer) => (text += c.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

export const get = (port: number, pathName: string, headers: Record<string, string> = {}) =>
  send(port, 'GET', pathName, headers)

/** Named checks, printed as they pass or fail; `finish` exits 0 only when all passed. */
export function checks(title: string) {
  const results: { name: string; ok: boolean }[] = []
  return {
    check: async (name: string, fn: () => Promise<void> | void): Promise<void> => {
      try {
        await fn()
        results.push({ name, ok: true })
        console.error(`ok - ${name}`)
      } catch (err) {
        results.push({ name, ok: false })
        console.error(`not ok - ${name}: ${(err as Error).message}`)
      }
    },
    fail: (name: string, err: unknown) => {
      results.push({ name, ok: false })
      console.error(`not ok - ${name}: ${(err as Error).message}`)
    },
    finish: (): never => {
      const failed = results.filter((r) => !r.ok).length
      console.error(`${title} (${userInfo().username}): ${results.length - failed} passed, ${failed} failed`)
      process.exit(failed === 0 && results.length > 0 ? 0 : 1)
    },
  }
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message)
}

export interface Cluster {
  port: number
  /** Connection URLs of the portal's two roles (docker/postgres-init.sh made them). */
  url(role: 'kabinet_app' | 'kabinet_owner'): string
  stop(): void
}

/** A fresh Debian PostgreSQL cluster in `work`, with docker/postgres-init.sh run on it. */
export async function startCluster(work: string): Promise<Cluster> {
  const bin = postgresBin()
  const dataDir = path.join(work, 'pgdata')
  const socketDir = path.join(work, 'socket')
  const port = await freePort()
  const passwords = { owner: randomBytes(12).toString('hex'), app: randomBytes(12).toString('hex') }
  mkdirSync(socketDir)
  mkdirSync(dataDir)
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim())
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim())
    for (const dir of [dataDir, socketDir]) chownSync(dir, uid, gid)
  }
  asPostgres(path.join(bin, 'initdb'), [
    '-D',
    dataDir,
    '-U',
    'postgres',
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    '-E',
    'UTF8',
    '--locale=C',
  ])
  asPostgres(path.join(bin, 'pg_ctl'), [
    '-D',
    dataDir,
    '-l',
    path.join(socketDir, 'server.log'),
    '-w',
    'start',
    '-o',
    `-p ${port} -k ${socketDir} -c listen_addresses=127.0.0.1`,
  ])
  const stop = () => {
    try {
      asPostgres(path.join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'fast', '-w', 'stop'])
    } catch (err) {
      console.error(`could not stop the smoke-test PostgreSQL: ${(err as Error).message}`)
    }
  }
  try {
    asPostgres('bash', [path.join(ROOT, 'docker/postgres-init.sh')], {
      POSTGRES_USER: 'postgres',
      PGHOST: socketDir,
      PGPORT: String(port),
      KABINET_OWNER_PASSWORD: passwords.owner,
      KABINET_APP_PASSWORD: passwords.app,
    })
  } catch (err) {
    stop()
    throw new Error(`docker/postgres-init.sh failed: ${(err as Error).message}`, { cause: err })
  }
  return {
    port,
    url: (role) =>
      `postgres://${role}:${role === 'kabinet_app' ? passwords.app : passwords.owner}@127.0.0.1:${port}/kabinet`,
    stop,
  }
}

/** The environment of a portal process in production mode on `cluster`, behind one proxy hop. */
export function portalEnv(cluster: Cluster, work: string, smtpUrl: string, sessionSecret: string) {
  return {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    DATABASE_URL: cluster.url('kabinet_app'),
    MIGRATION_DATABASE_URL: cluster.url('kabinet_owner'),
    SESSION_SECRET: sessionSecret,
    SMTP_URL: smtpUrl,
    MAIL_FROM: 'portal@acme.example',
    TRUST_PROXY_HOPS: '1',
    FILES_DIR: path.join(work, 'files'),
    VAR_DIR: path.join(work, 'var'),
    LOG_LEVEL: 'warn',
    SHUTDOWN_DRAIN_MS: '200',
  }
}

export interface Portal {
  port: number
  process: ChildProcess
  exited: Promise<number | null>
}

/** Starts `src/server.ts` with `env` on a free port and waits until /readyz answers 200. */
export async function startPortal(env: Record<string, string>): Promise<Portal> {
  const port = await freePort()
  const child = spawn(process.execPath, [path.join(ROOT, 'src/server.ts')], {
    env: { ...env, PORT: String(port) },
    stdio: ['ignore', process.env.SMOKE_LOGS ? 'inherit' : 'ignore', 'inherit'],
  })
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
  for (let i = 0; i < 300; i++) {
    const ready = await get(port, '/readyz').catch(() => undefined)
    if (ready?.status === 200) return { port, process: child, exited }
    if (child.exitCode !== null) break
    await new Promise((r) => setTimeout(r, 200))
  }
  child.kill('SIGKILL')
  throw new Error('the portal was not ready within 60 s')
}

/** Runs one of the portal's CLI scripts with `env`; its standard output. */
export function cli(env: Record<string, string>, script: string, args: string[]): string {
  return execFileSync(process.execPath, [path.join(ROOT, 'src/cli', script), ...args], {
    env,
    encoding: 'utf8',
  })
}

/** The CLI's tenant `acme` on HOST, with the given services. */
export function createAcme(env: Record<string, string>, services: string): void {
  cli(env, 'tenant.ts', [
    'create',
    '--slug',
    'acme',
    '--name',
    'Acme Energia',
    '--locale',
    'pl',
    '--time-zone',
    'Europe/Warsaw',
    '--support-email',
    'support@acme.example',
    '--base-url',
    `https://${HOST}`,
    '--services',
    services,
    '--host',
    HOST,
  ])
}

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p))

/**
 * Debian's nginx running docker/nginx.conf in `work`, its upstream being the portals on
 * `ports` and TLS taken as ended before it (X-Forwarded-Proto: https).
 */
export async function startNginx(
  work: string,
  ports: number[],
): Promise<{ port: number; process: ChildProcess }> {
  assert(NGINX, 'nginx is not installed (apt-get install nginx-light)')
  const port = await freePort()
  const conf = readFileSync(path.join(ROOT, 'docker/nginx.conf'), 'utf8')
    .replace(
      /^\s*server app:3000 .*$/m,
      ports.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=5s;`).join('\n'),
    )
    .replace('listen 80;', `listen 127.0.0.1:${port};`)
    .replace('pid /tmp/kabinet-nginx.pid;', `pid ${path.join(work, `nginx-${port}.pid`)};`)
    .replace('X-Forwarded-Proto $scheme', 'X-Forwarded-Proto https')
  assert(conf.includes(`127.0.0.1:${ports[0]}`), 'docker/nginx.conf has no `server app:3000` line to replace')
  const file = path.join(work, `nginx-${port}.conf`)
  writeFileSync(file, conf)
  const child = spawn(NGINX, ['-p', work, '-c', file, '-e', 'stderr', '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  for (let i = 0; i < 100; i++) {
    if ((await get(port, '/readyz').catch(() => undefined))?.status === 200) return { port, process: child }
    await new Promise((r) => setTimeout(r, 100))
  }
  child.kill('SIGQUIT')
  throw new Error('nginx did not answer within 10 s')
}
