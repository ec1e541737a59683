/**
 * Issue 18 item 7: the portal is stateless across processes. Two portal processes in
 * production mode on one Debian PostgreSQL, behind Debian's nginx running
 * docker/nginx.conf (with this run's ports put in), and the checks that would fail if any
 * state lived in one process: sessions, live updates, tenant settings, throttles, jobs,
 * and a stop under load. Run by .ci/run (`npm run smoke:scale-out`); exit 0 only when
 * every check passed.
 */
import type { ChildProcess } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { tmpdir } from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { TypeDefinition } from '../../src/modules/applications/definition.ts'
import { hashPassword } from '../../src/platform/passwords.ts'
import { TP15 } from '../helpers/applications.ts'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.ts'
import {
  HOST,
  assert,
  checks,
  cli,
  createAcme,
  get,
  portalEnv,
  send,
  startCluster,
  startNginx,
  startPortal,
  type Cluster,
  type Portal,
} from './kit.ts'

const PASSWORD = 'scale out password 12'
const EMAIL = 'jan@acme.example'
const { check, fail, finish } = checks('scale-out smoke')
const work = mkdtempSync(path.join(tmpdir(), 'kabinet-scale-'))
chmodSync(work, 0o755)
let cluster: Cluster | undefined
let smtp: SmtpSink | undefined
const portals: Portal[] = []
let nginx: ChildProcess | undefined
const as = { Host: HOST, 'X-Forwarded-Proto': 'https' }

/** The session cookie an answer set, and the CSRF token its form carries. */
function sessionOf(answer: { headers: Record<string, string | string[] | undefined>; body: string }) {
  const cookie = String(answer.headers['set-cookie'] ?? '').split(';')[0]!
  const csrf = /name="_csrf" value="([^"]+)"/.exec(answer.body)?.[1]
  assert(cookie.startsWith('__Host-sid=') && csrf, 'no session cookie or CSRF token')
  return { cookie, csrf }
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString()
const formHeaders = (cookie: string) => ({
  ...as,
  cookie,
  'content-type': 'application/x-www-form-urlencoded',
})

async function until(what: string, ms: number, test: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (await test()) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`${what} not within ${ms} ms`)
}

/** As the owner, inside the tenant's scope: a customer who can sign in and an application of theirs. */
async function seedCustomer(ownerUrl: string): Promise<string> {
  const client = new pg.Client({ connectionString: ownerUrl })
  await client.connect()
  try {
    const tenant = (await client.query<{ id: string }>(`SELECT id FROM tenants WHERE slug = 'acme'`)).rows[0]!
      .id
    await client.query('BEGIN')
    await client.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenant])
    const customer = randomUUID()
    await client.query(
      `INSERT INTO customers (tenant_id, id, email, password_hash, status, category, full_name,
                              confirmed_at, password_changed_at, consent_at)
       VALUES ($1, $2, $3, $4, 'active', 'individual', 'Jan Kowalski', now(), now(), now())`,
      [tenant, customer, EMAIL, await hashPassword(PASSWORD)],
    )
    const type = await client.query<{ id: string }>(
      `INSERT INTO application_types (tenant_id, code, version, definition) VALUES ($1, 'tp15', 1, $2) RETURNING id`,
      [tenant, JSON.stringify(TypeDefinition.parse(TP15))],
    )
    const application = await client.query<{ id: string }>(
      `INSERT INTO applications (tenant_id, customer_id, type_id, type_code, number, status, content, submitted_at)
       VALUES ($1, $2, $3, 'tp15', 'TP-2026-000001', 'submitted', '{"text":"Connect","contact":"","values":{}}', now())
       RETURNING id`,
      [tenant, customer, type.rows[0]!.id],
    )
    await client.query('COMMIT')
    return application.rows[0]!.id
  } finally {
    await client.end()
  }
}

try {
  cluster = await startCluster(work)
  smtp = await startSmtpSink()
  const env = portalEnv(cluster, work, smtp.url, randomBytes(32).toString('hex'))
  await check('two processes started at the same moment on an empty database both come up', async () => {
    const started = await Promise.allSettled([startPortal(env), startPortal(env)])
    for (const s of started) if (s.status === 'fulfilled') portals.push(s.value)
    const failed = started.find((s) => s.status === 'rejected')
    if (failed) throw failed.reason as Error
  })
  createAcme(env, 'applications')
  const applicationId = await seedCustomer(cluster.url('kabinet_owner'))
  const [a, b] = portals.map((p) => p.port) as [number, number]
  const proxy = await startNginx(work, [a, b])
  nginx = proxy.process

  let customer = { cookie: '', csrf: '' }
  await check('a session started on one process continues on the other', async () => {
    const login = sessionOf(await get(a, '/login', as))
    const signedIn = await send(
      b,
      'POST',
      '/login',
      formHeaders(login.cookie),
      form({ _csrf: login.csrf, login: EMAIL, password: PASSWORD }),
    )
    assert(signedIn.status === 303, `signing in on the second with the first's form: ${signedIn.status}`)
    const cookie = String(signedIn.headers['set-cookie'] ?? '').split(';')[0]!
    const cabinet = await get(a, '/cabinet', { ...as, cookie })
    assert(
      cabinet.status === 200 && cabinet.body.includes('Jan Kowalski'),
      `the first answers ${cabinet.status}`,
    )
    const stranger = await get(a, '/cabinet', { ...as, cookie: '__Host-sid=s%3Aforged.forged' })
    assert(stranger.status === 303, 'a forged cookie is taken for a session')
    customer = { cookie, csrf: sessionOf({ headers: { 'set-cookie': cookie }, body: cabinet.body }).csrf }
  })

  await check('a chat message posted through one reaches a live page held on the other', async () => {
    const frames: string[] = []
    const stream = request({
      host: '127.0.0.1',
      port: b,
      path: `/services/applications/${applicationId}/live`,
      headers: { ...as, cookie: customer.cookie, accept: 'text/event-stream' },
    })
    const opened = new Promise<number>((resolve, reject) => {
      stream.on('response', (res) => {
        res.on('data', (c: Buffer) => frames.push(c.toString()))
        resolve(res.statusCode ?? 0)
      })
      stream.on('error', reject)
    })
    stream.end()
    try {
      assert((await opened) === 200, 'the live stream did not open')
      await until('the stream ready', 2_000, () => frames.join('').includes('retry:'))
      const boundary = `----scale${randomBytes(8).toString('hex')}`
      const body = `--${boundary}\r\nContent-Disposition: form-data; name="body"\r\n\r\nHello from the first process\r\n--${boundary}--\r\n`
      const posted = await send(
        a,
        'POST',
        `/services/applications/${applicationId}/messages?_csrf=${encodeURIComponent(customer.csrf)}`,
        {
          ...as,
          cookie: customer.cookie,
          // Upload routes want what a browser sends: the page's origin.
          origin: `https://${HOST}`,
          'content-type': `multipart/form-data; boundary=${boundary}`,
        },
        body,
      )
      assert(
        posted.status === 303,
        `posting answered ${posted.status} ${/<title>([^<]*)/.exec(posted.body)?.[1]}`,
      )
      await until('the message on the other process’s stream', 2_000, () => /^data:/m.test(frames.join('')))
    } finally {
      stream.destroy()
    }
  })

  await check('a tenant disabled and enabled again is seen so by both within 2 s', async () => {
    const both = async (ok: boolean) =>
      (await Promise.all([a, b].map((p) => get(p, '/', as)))).every((r) => (r.status === 200) === ok)
    assert(await both(true), 'not served to begin with')
    cli(env, 'tenant.ts', ['disable', '--tenant', 'acme'])
    await until('both refusing the disabled tenant', 2_000, () => both(false))
    cli(env, 'tenant.ts', ['enable', '--tenant', 'acme'])
    await until('both serving it again', 2_000, () => both(true))
  })

  await check('a sign-in throttle counts the attempts made on both', async () => {
    const login = sessionOf(await get(a, '/login', as))
    const attempt = (port: number) =>
      send(
        port,
        'POST',
        '/login',
        formHeaders(login.cookie),
        form({ _csrf: login.csrf, login: 'guess@acme.example', password: 'wrong password 1' }),
      )
    for (let i = 0; i < 5; i++) {
      const refused = await attempt(i % 2 ? b : a)
      assert(refused.status === 422, `attempt ${i + 1} answered ${refused.status}`)
    }
    const sixth = await attempt(b)
    assert(sixth.status === 429, `the sixth attempt (the second process's third) answered ${sixth.status}`)
  })

  await check('a job is done once though both processes work the queue', async () => {
    cli(env, 'admin-create.ts', ['--tenant', 'acme', '--email', 'once@acme.example'])
    await smtp!.waitFor((m) => m.envelopeTo.includes('once@acme.example'), 30_000)
    await new Promise((r) => setTimeout(r, 3_000))
    const sent = smtp!.messages.filter((m) => m.envelopeTo.includes('once@acme.example')).length
    assert(sent === 1, `${sent} emails`)
  })

  await check('SIGTERM of one under load through nginx loses no request', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 8 })
    const statuses: number[] = []
    const one = () =>
      new Promise<void>((resolve) => {
        const req = request({ host: '127.0.0.1', port: proxy.port, path: '/', agent, headers: as }, (res) => {
          res.resume()
          res.on('end', () => (statuses.push(res.statusCode ?? 0), resolve()))
        })
        req.on('error', () => (statuses.push(0), resolve()))
        req.end()
      })
    let stopped = false
    const worker = async () => {
      for (let i = 0; i < 75; i++) {
        await one()
        if (!stopped && statuses.length >= 150) {
          stopped = true
          portals[0]!.process.kill('SIGTERM')
        }
      }
    }
    await Promise.all(Array.from({ length: 8 }, worker))
    agent.destroy()
    const code = await Promise.race([
      portals[0]!.exited,
      new Promise((r) => setTimeout(() => r('timeout'), 30_000)),
    ])
    const failed = statuses.filter((s) => s !== 200)
    assert(stopped && statuses.length === 600, `${statuses.length} answers`)
    assert(failed.length === 0, `${failed.length} of 600 failed: ${[...new Set(failed)].join(', ')}`)
    assert(code === 0, `the stopped process exited ${String(code)}`)
  })
} catch (err) {
  fail('set-up', err)
} finally {
  nginx?.kill('SIGQUIT')
  for (const p of portals) p.process.kill('SIGKILL')
  await smtp?.close()
  cluster?.stop()
  rmSync(work, { recursive: true, force: true })
}
finish()
