import { randomBytes } from 'node:crypto'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { hashToken } from '../../src/platform/tokens.ts'
import { registerConfirmed, signedIn } from '../helpers/accounts.ts'
import { multipart, PDF, postApplication, READING, seedType } from '../helpers/applications.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { createTenant } from '../helpers/factories.ts'
import { insertUnit } from '../helpers/generation.ts'
import { conformsToDocument } from '../helpers/openapi.ts'
import { insertMeter } from '../helpers/readings.ts'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.ts'

const PASSWORD = 'macierz dostępu api'
const DAY = '2026-11-26'
const SCOPES = [
  'applications:read',
  'applications:write',
  'schedules:read',
  'schedules:write',
  'readings:read',
  'readings:write',
] as const
type Scope = (typeof SCOPES)[number]

/**
 * Every API operation, by hand: the scope it needs, whether it lists the account's own
 * things (another account gets its own, empty list) or names one (another account's token
 * finds nothing), and a valid request. The document's operations must all be here.
 */
const OPERATIONS: Record<string, { scope: Scope; list?: true; status: number; body?: object }> = {
  'GET /v1/applications': { scope: 'applications:read', list: true, status: 200 },
  'GET /v1/applications/{id}': { scope: 'applications:read', status: 200 },
  'GET /v1/applications/{id}/messages': { scope: 'applications:read', status: 200 },
  'POST /v1/applications/{id}/messages': { scope: 'applications:write', status: 201, body: { body: 'Hi' } },
  'GET /v1/applications/{id}/files/{attachmentId}': { scope: 'applications:read', status: 200 },
  'GET /v1/units': { scope: 'schedules:read', list: true, status: 200 },
  'GET /v1/units/{unit}/days/{day}': { scope: 'schedules:read', status: 200 },
  'PUT /v1/units/{unit}/days/{day}': {
    scope: 'schedules:write',
    status: 200,
    body: { values: Array<string>(96).fill('1.000') },
  },
  'GET /v1/units/{unit}/days/{day}/versions': { scope: 'schedules:read', status: 200 },
  'GET /v1/meters': { scope: 'readings:read', list: true, status: 200 },
  'GET /v1/meters/{id}/readings': { scope: 'readings:read', status: 200 },
  'POST /v1/meters/{id}/readings': {
    scope: 'readings:write',
    status: 201,
    body: { day: '2026-11-20', values: { total: '1200' } },
  },
  'GET /v1/meters/{id}/intervals': { scope: 'readings:read', status: 200 },
}

/** Issue 22: every API operation × every kind of caller, the API's own access matrix. */
describe('public API: access matrix', () => {
  let smtp: SmtpSink
  let t: TestApp
  let a: Awaited<ReturnType<typeof createTenant>>
  let b: Awaited<ReturnType<typeof createTenant>>
  const ids: Record<string, string> = {}
  let document: { paths: Record<string, object> }
  /** What is in the owner's account, that nobody else's answer may mention. */
  const owned: string[] = []

  const insertToken = (
    account: string,
    scopes: readonly string[],
    at: { expires?: Date; revoked?: Date } = {},
  ) =>
    withTenant(t.db.owner, a.id, async (trx) => {
      const prefix = randomBytes(4).toString('hex')
      const token = `kb_${prefix}_${randomBytes(32).toString('base64url')}`
      await trx('api_tokens').insert({
        tenant_id: a.id,
        account_id: account,
        created_by: account,
        name: scopes.join(' '),
        prefix,
        token_hash: hashToken(token),
        scopes,
        expires_at: at.expires ?? new Date('2027-06-30T22:00:00Z'),
        revoked_at: at.revoked ?? null,
      })
      return token
    })

  beforeAll(async () => {
    smtp = await startSmtpSink()
    t = await createTestApp({ smtpUrl: smtp.url, mailWorker: true })
    a = await createTenant(t.db.owner, {
      enabledServices: ['applications', 'readings', 'pgb'],
      modules: { services: { access: { pgb: 'open' } } },
    })
    b = await createTenant(t.db.owner, { enabledServices: ['applications', 'readings', 'pgb'] })
    await seedType(t.db.owner, a.id, 'reading', READING)
    await registerConfirmed(t, smtp, a.host, 'owner@example.com', PASSWORD)
    await registerConfirmed(t, smtp, a.host, 'other@example.com', PASSWORD)
    const owner = await signedIn(t, a.host, 'owner@example.com', PASSWORD)
    const sent = await postApplication(owner, '/services/applications/new/reading', {
      text: 'x',
      action: 'submit',
    })
    ids.id = /applications\/([0-9a-f-]{36})\/sent/.exec(sent.headers.location!)![1]!
    await owner.get(`/services/applications/${ids.id}`)
    await multipart(owner, `/services/applications/${ids.id}/messages`)
      .field('body', 'The photo')
      .attach('files', PDF, { filename: 'photo.pdf' })
    await withTenant(t.db.owner, a.id, async (trx) => {
      const person = async (email: string) =>
        (await trx('customers').where({ email }).first<{ id: string }>('id')).id
      ids.owner = await person('owner@example.com')
      ids.other = await person('other@example.com')
      ids.attachmentId = (
        await trx('attachments').where({ owner_type: 'application-message' }).first<{ id: string }>('id')
      ).id
      ids.unit = await insertUnit(trx, a.id, ids.owner, { code: 'PV-M', capacity_kw: 1000 })
      ids.meter = await insertMeter(trx, a.id, ids.owner, '770000000000999')
    })
    owned.push(ids.id, ids.unit!, ids.meter!)
    document = (await request(t.app).get('/api/v1/openapi.json').set('Host', a.host)).body as typeof document
  })
  afterAll(async () => {
    await t.close()
    await smtp.close()
  })

  const pathOf = (template: string) =>
    `/api${template}`
      .replace('{id}', template.startsWith('/v1/meters') ? ids.meter! : ids.id!)
      .replace('{attachmentId}', ids.attachmentId!)
      .replace('{unit}', ids.unit!)
      .replace('{day}', DAY)
      .concat(template.endsWith('/intervals') ? '?period_from=2026-11-01&period_to=2026-11-02' : '')
  const call = (key: string, token: string | undefined, host = a.host) => {
    const [method, template] = key.split(' ') as [string, string]
    const verb = method.toLowerCase() as 'get' | 'post' | 'put'
    let req = request(t.app)[verb](pathOf(template)).set('Host', host)
    if (token) req = req.set('Authorization', `Bearer ${token}`)
    if (method === 'PUT') req = req.set('If-Match', '"v0"')
    return OPERATIONS[key]!.body ? req.send(OPERATIONS[key]!.body) : req
  }

  it('lists every operation the document has', () => {
    const documented = Object.entries(document.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
    )
    expect(documented.sort()).toEqual(Object.keys(OPERATIONS).sort())
  })

  it('gives each caller exactly its outcome on every operation, and never a 5xx', async () => {
    const all = await insertToken(ids.owner!, SCOPES)
    const visitors: Record<string, (key: string) => Promise<request.Response>> = {
      'no token': (key) => call(key, undefined),
      expired: async (key) =>
        call(key, await insertToken(ids.owner!, SCOPES, { expires: new Date('2026-11-20') })),
      revoked: async (key) =>
        call(key, await insertToken(ids.owner!, SCOPES, { revoked: new Date('2026-11-20') })),
      "another tenant's host": (key) => call(key, all, b.host),
      'every scope but the one needed': async (key) =>
        call(
          key,
          await insertToken(
            ids.owner!,
            SCOPES.filter((s) => s !== OPERATIONS[key]!.scope),
          ),
        ),
      'another account, every scope': async (key) => call(key, await insertToken(ids.other!, SCOPES)),
      'only the scope needed': async (key) =>
        call(key, await insertToken(ids.owner!, [OPERATIONS[key]!.scope])),
    }
    const expected = (visitor: string, key: string): [number, string | undefined] => {
      const op = OPERATIONS[key]!
      if (visitor === 'every scope but the one needed') return [403, 'scope']
      if (visitor === 'another account, every scope') return op.list ? [200, undefined] : [404, 'notFound']
      if (visitor === 'only the scope needed') return [op.status, undefined]
      return [401, 'unauthorized']
    }
    const failures: string[] = []
    for (const key of Object.keys(OPERATIONS))
      for (const [visitor, visit] of Object.entries(visitors)) {
        const res = await visit(key)
        const [status, code] = expected(visitor, key)
        const got = (res.body as { code?: string } | undefined)?.code
        if (res.status !== status || (code && got !== code))
          failures.push(`${key} as ${visitor}: ${res.status} ${got ?? ''}, expected ${status} ${code ?? ''}`)
        // Every answer, refusals included, is one the document describes.
        const [method, template] = key.split(' ') as [string, string]
        for (const problem of conformsToDocument(document, { method, path: template }, res))
          failures.push(`${key} as ${visitor}: ${problem}`)
        if (visitor === 'another account, every scope' && owned.some((id) => res.text.includes(id)))
          failures.push(`${key} as ${visitor}: the answer names the owner's things`)
      }
    expect(failures).toEqual([])
  })
})
