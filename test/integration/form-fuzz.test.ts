import { randomUUID } from 'node:crypto'
import fc from 'fast-check'
import type { Knex } from 'knex'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { agentFor } from '../helpers/agent.ts'
import { registerConfirmed, signedIn } from '../helpers/accounts.ts'
import { createTenant } from '../helpers/factories.ts'
import { createOperator, operatorSignIn } from '../helpers/operators.ts'
import { listRoutes, type AppRoute } from '../helpers/routes.ts'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.ts'

const PASSWORD = 'słoneczny poranek 12'
/** Every field name our forms use, and a few that attack the parser. */
const FIELDS = [
  'login',
  'password',
  'passwordConfirm',
  'currentPassword',
  'email',
  'newEmail',
  'loginName',
  'category',
  'organisationName',
  'fullName',
  'firstName',
  'lastName',
  'phone',
  'consent',
  'company',
  'service',
  'token',
  'code',
  'name',
  'role',
  'action',
  'requestId',
  'next',
  'preferredLocale',
  'identifiers.inn',
  'settings',
  '__proto__',
  'constructor',
  'prototype',
]
/** Tables whose rows a refused (4xx) submission must leave alone. */
const BUSINESS_TABLES = [
  'customers',
  'account_tokens',
  'operators',
  'operator_tokens',
  'access_requests',
  'enrolments',
  'customer_services',
  'outbox',
  'tenants',
]
/** Routes that end the very session the fuzzer posts with. */
const SESSION_ENDING = new Set(['/logout', '/admin/logout'])

const hostileValue = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '\u0000',
    'a\u0000b',
    '\u0007\u001b[31m',
    '\ud800',
    '‮evil',
    '<script>x</script>',
    '${7*7}',
    "' or 1=1--",
  ),
  fc.constantFrom('x'.repeat(5_000), 'я'.repeat(20_000)),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
)
const hostileForm = fc.dictionary(
  fc.constantFrom(...FIELDS),
  fc.oneof(hostileValue, fc.array(hostileValue, { minLength: 2, maxLength: 3 })),
  { maxKeys: 8 },
)

function concrete(path: string): string {
  return path
    .replace(':id', randomUUID())
    .replace(':token', 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789')
    .replace(':code', 'pgb')
}

function encode(form: Record<string, string | string[]>, csrf: string): string {
  const body = new URLSearchParams({ _csrf: csrf })
  for (const [key, value] of Object.entries(form))
    for (const v of Array.isArray(value) ? value : [value]) body.append(key, v)
  return body.toString()
}

describe('every form against hostile input', () => {
  let smtp: SmtpSink
  let t: TestApp
  let tenant: Awaited<ReturnType<typeof createTenant>>
  let actors: Record<string, ReturnType<typeof agentFor>>
  let posts: AppRoute[]

  async function rowCounts(db: Knex): Promise<string> {
    return withAll(db, async (trx) => {
      const counts = []
      for (const table of BUSINESS_TABLES) {
        const [row] = await trx(table).count<{ count: string }[]>()
        counts.push(`${table}=${row!.count}`)
      }
      const [settings] = await trx('tenants').where({ id: tenant.id }).pluck('settings')
      return `${counts.join(',')};${JSON.stringify(settings)}`
    })
  }
  function withAll<T>(db: Knex, fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    return db.transaction(async (trx) => {
      await trx.raw(`select set_config('app.tenant_id', ?, true)`, [tenant.id])
      return fn(trx)
    })
  }

  beforeAll(async () => {
    smtp = await startSmtpSink()
    t = await createTestApp({ smtpUrl: smtp.url, mailWorker: true })
    tenant = await createTenant(t.db.owner, {
      enabledServices: ['applications', 'pgb'],
      registration: {
        modes: ['emailConfirmation', 'emailedPassword'],
        oneTimePasswordDays: 7,
        loginName: false,
      },
    })
    await registerConfirmed(t, smtp, tenant.host, 'fuzz@example.com', PASSWORD)
    const customer = await signedIn(t, tenant.host, 'fuzz@example.com', PASSWORD)
    const { agent: staff } = await operatorSignIn(t, tenant.host, await createOperator(t, tenant.id))
    const anonymous = agentFor(t.app, tenant.host)
    // Each agent's CSRF token is the one of its current session, read from a page with a form.
    await anonymous.get('/login')
    await customer.get('/account/profile')
    await staff.get('/admin/operators')
    for (const agent of [anonymous, customer, staff]) expect(agent.csrfToken).not.toBe('')
    actors = { anonymous, customer, staff }
    posts = listRoutes(t.app).filter((r) => r.method === 'POST')
  })
  afterAll(async () => {
    await t.close()
    await smtp.close()
  })

  it('finds the forms to fuzz in the app itself', () => {
    expect(posts.map((r) => r.path)).toEqual(
      expect.arrayContaining(['/login', '/register/account', '/admin/enrolments', '/admin/settings']),
    )
  })

  it('refuses bodies that are not forms (415) on every POST route, before any handler', async () => {
    const bodies: [string | undefined, string][] = [
      ['application/json', '{"login":"a","password":"b"}'],
      ['text/plain', 'login=a&password=b'],
      ['application/xml', '<login>a</login>'],
      [undefined, ''],
      [
        'multipart/form-data; boundary=x',
        '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--\r\n',
      ],
    ]
    for (const route of posts)
      for (const [name, agent] of Object.entries(actors))
        for (const [type, body] of bodies) {
          const req = agent.raw
            .post(concrete(route.path))
            .set('Host', tenant.host)
            .set('X-CSRF-Token', agent.csrfToken)
          // No type means no body at all (superagent would call a string body a form).
          const res = type ? await req.set('Content-Type', type).send(body) : await req
          expect(res.status, `${name} ${route.path} ${type}`).toBe(415)
        }
  })

  it('never answers 5xx or shows a stack to hostile form values, and a refusal changes no row', async () => {
    const routes = posts.filter((r) => !SESSION_ENDING.has(r.path))
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.constantFrom(...Object.keys(actors)),
        hostileForm,
        async (route, actor, form) => {
          const agent = actors[actor]!
          const before = await rowCounts(t.db.owner)
          const res = await agent.raw
            .post(concrete(route.path))
            .set('Host', tenant.host)
            .type('form')
            .send(encode(form, agent.csrfToken))
          expect(res.status, `${actor} ${route.path} ${JSON.stringify(form).slice(0, 300)}`).toBeLessThan(500)
          expect(res.text).not.toMatch(/\n\s+at .+:\d+:\d+/)
          expect(res.text).not.toContain('undefined')
          if (res.status >= 400) expect(await rowCounts(t.db.owner)).toBe(before)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('answers a control character in any text field of an otherwise valid form with a field message', async () => {
    const cases: [keyof typeof actors, string, Record<string, string>, string][] = [
      ['anonymous', '/login', { login: 'fuzz\u0000@example.com', password: 'x' }, 'login'],
      [
        'anonymous',
        '/register/password',
        {
          category: 'individual',
          fullName: 'Jan\u0000 Kowalski',
          email: 'nul1@example.com',
          phone: '+48 512 345 678',
          consent: 'yes',
        },
        'fullName',
      ],
      [
        'anonymous',
        '/access-request',
        { company: 'Farma\u0000', email: 'nul2@example.com', phone: '+48 512 345 678', service: 'pgb' },
        'company',
      ],
      [
        'anonymous',
        '/access-request',
        { company: 'Farma', email: 'nul3@example.com', phone: '+48 512\u0000345 678', service: 'pgb' },
        'phone',
      ],
      [
        'customer',
        '/account/profile',
        { firstName: 'J\u0000an', lastName: 'Kowalski', phone: '', preferredLocale: '' },
        'firstName',
      ],
      [
        'staff',
        '/admin/operators',
        { email: 'nul4@staff.example', name: 'Ewa\u0007', role: 'operator' },
        'name',
      ],
      [
        'staff',
        '/admin/enrolments',
        { service: 'pgb', company: 'Farma\u001b', email: 'nul5@example.com', phone: '+48 512 345 678' },
        'company',
      ],
    ]
    for (const [actor, path, form, field] of cases) {
      const agent = actors[actor]!
      const before = await rowCounts(t.db.owner)
      const res = await agent.raw
        .post(path)
        .set('Host', tenant.host)
        .type('form')
        .send(encode(form, agent.csrfToken))
      expect(res.status, `${path} ${field}`).toBe(422)
      expect(res.text, `${path} ${field}`).toContain(`href="#${field}"`)
      if (field !== 'login') expect(res.text).toContain('Remove the control characters')
      expect(await rowCounts(t.db.owner)).toBe(before)
    }
  })
})
