/**
 * The ops path of README's "Running in production", end to end on Debian's PostgreSQL:
 * a fresh cluster, docker/postgres-init.sh for the roles, the portal in production mode on
 * the owner/runtime split behind one proxy hop, a tenant and its administrator made with
 * the CLI, then the checks an operator would make. Run by .ci/run (`npm run smoke:production`);
 * it stops everything it started. Exit code 0 only when every check passed.
 */
import { randomBytes } from 'node:crypto'
import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.ts'
import {
  HOST,
  assert,
  checks,
  cli,
  createAcme,
  get,
  portalEnv,
  startCluster,
  startPortal,
  type Cluster,
  type Portal,
} from './kit.ts'

const { check, fail, finish } = checks('production smoke')
const work = mkdtempSync(path.join(tmpdir(), 'kabinet-prod-'))
chmodSync(work, 0o755)
let cluster: Cluster | undefined
let portal: Portal | undefined
let smtp: SmtpSink | undefined
const proxied = { Host: HOST, 'X-Forwarded-Proto': 'https' }

try {
  await check('docker/postgres-init.sh creates the roles and the database', async () => {
    cluster = await startCluster(work)
  })
  smtp = await startSmtpSink()
  const env = portalEnv(cluster!, work, smtp.url, randomBytes(32).toString('hex'))

  await check('the portal migrates and answers /readyz 200', async () => {
    portal = await startPortal(env)
  })
  const port = portal!.port

  await check('the CLI provisions a tenant, its host and its first administrator', () => {
    createAcme(env, 'pgb,applications')
    assert(
      cli(env, 'tenant.ts', ['host', 'add', '--tenant', 'acme', '--host', HOST]).includes('nothing to do'),
      'adding a host twice is not idempotent',
    )
    assert(
      cli(env, 'tenant.ts', ['list']).includes(`acme\tAcme Energia\tenabled\t${HOST}`),
      'tenant list does not show it',
    )
    assert(
      cli(env, 'admin-create.ts', ['--tenant', 'acme', '--email', 'admin@acme.example']).includes(
        '/admin/set-password/',
      ),
      'no set-password link printed',
    )
  })

  await check('the tenant home answers on its host with HSTS behind one proxy hop', async () => {
    const home = await get(port, '/', proxied)
    assert(home.status === 200, `status ${home.status}`)
    assert(home.body.includes('Acme Energia'), 'tenant name missing')
    assert(String(home.headers['strict-transport-security']).includes('max-age='), 'no HSTS')
  })

  await check('a page with a form sets the __Host- session cookie (Secure, HttpOnly, Path=/)', async () => {
    const login = await get(port, '/login', proxied)
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
    const page = await get(port, link[1], proxied)
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
    portal!.process.kill('SIGTERM')
    const code = await Promise.race([
      portal!.exited,
      new Promise((r) => setTimeout(() => r('timeout'), 30_000)),
    ])
    portal = undefined
    assert(code === 0, `exit ${String(code)}`)
  })
} catch (err) {
  fail('set-up', err)
} finally {
  portal?.process.kill('SIGKILL')
  await smtp?.close()
  cluster?.stop()
  rmSync(work, { recursive: true, force: true })
}
finish()
