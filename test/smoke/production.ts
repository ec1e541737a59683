/**
 * The ops path of README's "Running in production", end to end on Debian's PostgreSQL:
 * a fresh cluster, docker/postgres-init.sh for the roles, the portal in production mode on
 * the owner/runtime split behind one proxy hop, a tenant and its administrator made with
 * the CLI, then the checks an operator would make. Run by .ci/run (`npm run smoke:production`);
 * it stops everything it started. Exit code 0 only when every check passed.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir, userInfo } from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { freePort } from '../../src/db/embedded.ts'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.ts'

const ROOT = path.resolve(import.meta.dirname, '../..')
const HOST = 'portal.acme.example'
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

function get(port: number, pathName: string, headers: Record<string, string> = {}) {
  return new Promise<{
    status: number
    headers: Record<string, string | string[] | undefined>
    body: string
  }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: pathName, headers }, (res) => {
      let body = ''
      res.on('data', (c: Buffer) => (body += c.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

const results: { name: string; ok: boolean; detail?: string }[] = []
async function check(name: string, fn: () => Promise<void> | void): Promise<void> {
  try {
    await fn()
    results.push({ name, ok: true })
    console.error(`ok - ${name}`)
  } catch (err) {
    results.push({ name, ok: false, detail: (err as Error).message })
    console.error(`not ok - ${name}: ${(err as Error).message}`)
  }
}
function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message)
}

const work = mkdtempSync(path.join(tmpdir(), 'kabinet-prod-'))
chmodSync(work, 0o755)
const dataDir = path.join(work, 'pgdata')
const socketDir = path.join(work, 'socket')
let portal: ChildProcess | undefined
let smtp: SmtpSink | undefined
let started = false
const bin = postgresBin()
const pgPort = await freePort()
const passwords = { owner: randomBytes(12).toString('hex'), app: randomBytes(12).toString('hex') }

try {
  mkdirSync(socketDir)
  mkdirSync(dataDir)
  if (asRoot) {
    const ids = execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim())
    for (const dir of [dataDir, socketDir]) chownSync(dir, Number(ids), gid)
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
    `-p ${pgPort} -k ${socketDir} -c listen_addresses=127.0.0.1`,
  ])
  started = true

  await check('docker/postgres-init.sh creates the roles and the database', () => {
    asPostgres('bash', [path.join(ROOT, 'docker/postgres-init.sh')], {
      POSTGRES_USER: 'postgres',
      PGHOST: socketDir,
      PGPORT: String(pgPort),
      KABINET_OWNER_PASSWORD: passwords.owner,
      KABINET_APP_PASSWORD: passwords.app,
    })
  })

  smtp = await startSmtpSink()
  const port = await freePort()
  const db = (role: string, pw: string) => `postgres://${role}:${pw}@127.0.0.1:${pgPort}/kabinet`
  const env = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    PORT: String(port),
    DATABASE_URL: db('kabinet_app', passwords.app),
    MIGRATION_DATABASE_URL: db('kabinet_owner', passwords.owner),
    SESSION_SECRET: randomBytes(32).toString('hex'),
    SMTP_URL: smtp.url,
    MAIL_FROM: 'portal@acme.example',
    TRUST_PROXY_HOPS: '1',
    FILES_DIR: path.join(work, 'files'),
    VAR_DIR: path.join(work, 'var'),
    LOG_LEVEL: 'warn',
    SHUTDOWN_DRAIN_MS: '200',
  }
  portal = spawn(process.execPath, [path.join(ROOT, 'src/server.ts')], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const exited = new Promise<number | null>((resolve) => portal!.on('close', resolve))

  await check('the portal migrates and answers /readyz 200', async () => {
    for (let i = 0; i < 300; i++) {
      const ready = await get(port, '/readyz').catch(() => undefined)
      if (ready?.status === 200) return
      await new Promise((r) => setTimeout(r, 200))
    }
    throw new Error('not ready within 60 s')
  })

  const cli = (script: string, args: string[]) =>
    execFileSync(process.execPath, [path.join(ROOT, 'src/cli', script), ...args], { env, encoding: 'utf8' })
  await check('the CLI provisions a tenant, its host and its first administrator', () => {
    cli('tenant.ts', [
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
      'pgb,applications',
      '--host',
      HOST,
    ])
    assert(
      cli('tenant.ts', ['host', 'add', '--tenant', 'acme', '--host', HOST]).includes('nothing to do'),
      'adding a host twice is not idempotent',
    )
    assert(
      cli('tenant.ts', ['list']).includes(`acme\tAcme Energia\tenabled\t${HOST}`),
      'tenant list does not show it',
    )
    assert(
      cli('admin-create.ts', ['--tenant', 'acme', '--email', 'admin@acme.example']).includes(
        '/admin/set-password/',
      ),
      'no set-password link printed',
    )
  })

  await check('the tenant home answers on its host with HSTS behind one proxy hop', async () => {
    const home = await get(port, '/', { Host: HOST, 'X-Forwarded-Proto': 'https' })
    assert(home.status === 200, `status ${home.status}`)
    assert(home.body.includes('Acme Energia'), 'tenant name missing')
    assert(String(home.headers['strict-transport-security']).includes('max-age='), 'no HSTS')
  })

  await check('a page with a form sets the __Host- session cookie (Secure, HttpOnly, Path=/)', async () => {
    const login = await get(port, '/login', { Host: HOST, 'X-Forwarded-Proto': 'https' })
    const cookie = String(login.headers['set-cookie'] ?? '')
    assert(login.status === 200, `status ${login.status}`)
    assert(
      /^__Host-sid=/.test(cookie) &&
        /Secure/.test(cookie) &&
        /HttpOnly/.test(cookie) &&
        /Path=\//.test(cookie),
      `cookie: ${cookie}`,
    )
  })

  await check("the administrator's set-password link arrives over SMTP and opens", async () => {
    const mail = await smtp!.waitFor((m) => m.envelopeTo.includes('admin@acme.example'), 30_000)
    const link = /https:\/\/portal\.acme\.example(\/admin\/set-password\/[A-Za-z0-9_-]+)/.exec(
      mail.text ?? '',
    )
    assert(link?.[1], 'no set-password link in the email')
    const page = await get(port, link[1], { Host: HOST, 'X-Forwarded-Proto': 'https' })
    assert(page.status === 200, `the link answers ${page.status}`)
  })

  await check('the runtime role cannot bypass row-level security', async () => {
    const client = new pg.Client({ connectionString: env.DATABASE_URL })
    await client.connect()
    try {
      const role = await client.query<{ rolsuper: boolean; rolbypassrls: boolean }>(
        'SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user',
      )
      assert(role.rows[0] && !role.rows[0].rolsuper && !role.rows[0].rolbypassrls, 'superuser or BYPASSRLS')
      const unscoped = await client.query<{ n: string }>('SELECT count(*) AS n FROM operators')
      assert(unscoped.rows[0]?.n === '0', `sees ${unscoped.rows[0]?.n} operators without a tenant`)
    } finally {
      await client.end()
    }
  })

  await check('SIGTERM stops the portal cleanly (exit 0)', async () => {
    portal!.kill('SIGTERM')
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 30_000))])
    portal = undefined
    assert(code === 0, `exit ${String(code)}`)
  })
} catch (err) {
  results.push({ name: 'set-up', ok: false, detail: (err as Error).message })
  console.error(`not ok - set-up: ${(err as Error).message}`)
} finally {
  portal?.kill('SIGKILL')
  await smtp?.close()
  if (started) {
    try {
      asPostgres(path.join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'fast', '-w', 'stop'])
    } catch (err) {
      console.error(`could not stop the smoke-test PostgreSQL: ${(err as Error).message}`)
    }
  }
  rmSync(work, { recursive: true, force: true })
}

const failed = results.filter((r) => !r.ok).length
console.error(
  `production smoke (${userInfo().username}): ${results.length - failed} passed, ${failed} failed`,
)
process.exit(failed === 0 && results.length > 0 ? 0 : 1)
