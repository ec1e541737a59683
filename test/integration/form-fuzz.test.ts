import { randomUUID } from 'node:crypto'
import fc from 'fast-check'
import type { Knex } from 'knex'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { agentFor } from '../helpers/agent.ts'
import { registerConfirmed, signedIn } from '../helpers/accounts.ts'
import { createTenant } from '../helpers/factories.ts'
import { createOperator, operatorSignIn } from '../helpers/operators.ts'
import { multipart, PDF, PNG, postApplication, seedType, TP15 } from '../helpers/applications.ts'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { listRoutes, type AppRoute } from '../helpers/routes.ts'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.ts'
import { insertUnit } from '../helpers/generation.ts'

const PASSWORD = 'słoneczny poranek 12'
/** Every field name our forms use, and a few that attack the parser. */
const FIELDS = [
  'login',
  'role',
  'permissions',
  'account',
  'until',
  'note',
  'signer',
  'confirm',
  'document',
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
  'day',
  'zone-total',
  'reason',
  'confirmJump',
  'operatorReason',
  'decision',
  'customerEmail',
  'number',
  'tariff',
  'digits',
  'decimals',
  'multiplier',
  'object',
  'installedOn',
  'amrCode',
  'replaces',
  'readings_tariffs',
  'memberType',
  'companyName',
  'dispatchName',
  'legalRepresentativeId',
  'uscc',
  'licenceExempt',
  'licenceState',
  'licenceNumber',
  'licenceExpectedOn',
  'contactName',
  'contactPhone',
  'contactEmail',
  'installedCapacity',
  'unitType',
  'capacity',
  'connectedOn',
  'parts',
  'market_attachments',
  'userId',
  'from',
  'to',
  'contractRef',
  'endOn',
  '__proto__',
  'constructor',
  'prototype',
]
/** Tables whose rows a refused (4xx) submission must leave alone. */
const BUSINESS_TABLES = [
  'customers',
  'account_members',
  'account_invitations',
  'representation_grants',
  'account_tokens',
  'operators',
  'operator_tokens',
  'access_requests',
  'enrolments',
  'customer_services',
  'outbox',
  'tenants',
  'applications',
  'application_messages',
  'attachments',
  'files',
  'standard_forms',
  'schedule_imports',
  'schedules',
  'schedule_versions',
  'generating_units',
  'application_notes',
  'application_acceptances',
  'meters',
  'meter_readings',
  'meter_reading_values',
  'market_members',
  'market_units',
  'retail_bindings',
]
/** Field names of the upload forms (applications, chat, status moves, forms library, imports). */
const UPLOAD_FIELDS = [
  'text',
  'body',
  'f_capacity',
  'f_address',
  'f_voltage',
  'action',
  'status',
  'comment',
  'kind',
  'typeCode',
  'familyId',
  'title_en',
  'title_ru',
  '_submission',
  'upTo',
  'note',
  'completeDays',
  'day',
  'zone-total',
  'reason',
  '__proto__',
]
const FILE_FIELDS = [
  'file',
  'files',
  'staff',
  'other',
  'doc_plan',
  'scan',
  'photo',
  'uscc_certificate',
  'price_approval',
  'contract',
]
/** Query keys our lists and exports read, and a few that attack the parser. */
const QUERY_KEYS = [
  'from',
  'to',
  'day',
  'q',
  'search',
  'status',
  'type',
  'assignee',
  'overdue',
  'page',
  'format',
  'unit',
  'actor',
  'action',
  'year',
  'after',
  'next',
  '__proto__',
  'constructor',
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

/** Real ids where the fuzzer has them (so it reaches past the 404), made-up ones elsewhere. */
interface KnownIds {
  application: string
  unit: string
  import: string
  meter: string
  reading: string
  member: string
  marketUnit: string
}
let known: KnownIds | undefined

function concrete(path: string): string {
  const id =
    path.startsWith('/services/applications/') || path.startsWith('/admin/applications/')
      ? known?.application
      : path.startsWith('/services/pgb/import/')
        ? known?.import
        : path.startsWith('/admin/generation/units/')
          ? known?.unit
          : path.startsWith('/services/readings/meters/') || path.startsWith('/admin/readings/meters/')
            ? known?.meter
            : path.startsWith('/admin/readings/review/')
              ? known?.reading
              : path.startsWith('/services/market/registration/units/')
                ? known?.marketUnit
                : path.startsWith('/admin/market/')
                  ? known?.member
                  : undefined
  return path
    .replace(':id', id ?? randomUUID())
    .replace(':unit', known?.unit ?? randomUUID())
    .replace(':day', '2026-12-10')
    .replace(':year', '2026')
    .replace(':type', 'tp15')
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
  let gets: AppRoute[]

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
      enabledServices: ['applications', 'pgb', 'readings', 'market'],
      modules: { services: { access: { pgb: 'open' } } },
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
    // The public API takes JSON, not forms: api-access.test.ts holds its refusals (415 included).
    posts = listRoutes(t.app).filter((r) => r.method === 'POST' && !r.path.startsWith('/api/'))
    gets = listRoutes(t.app).filter((r) => r.method === 'GET')
    // An application, a unit and an import preview of the customer's own, so the fuzzer
    // reaches the chat, the status moves and the import, not only their 404s.
    await seedType(t.db.owner, tenant.id, 'tp15', TP15)
    const sent = await postApplication(
      customer,
      '/services/applications/new/tp15',
      { text: 'A house', f_capacity: '12', f_address: 'ul. Polna 1, Gdańsk', action: 'submit' },
      [['doc_plan', 'plan.pdf', PDF]],
    )
    const application = /applications\/([0-9a-f-]{36})\/sent/.exec(sent.headers.location ?? '')?.[1]
    const unit = await withTenant(t.db.owner, tenant.id, async (trx) => {
      const owner = await trx('customers').first<{ id: string }>('id')
      return insertUnit(trx, tenant.id, owner.id, { name: 'Farma', technology: 'wind', capacity_kw: 900 })
    })
    // A meter of the customer's with a reading under review, for the readings forms.
    const { meter, reading } = await withTenant(t.db.owner, tenant.id, async (trx) => {
      const owner = await trx('customers').first<{ id: string }>('id')
      const [m] = await trx('meters')
        .insert({
          tenant_id: tenant.id,
          customer_id: owner.id,
          number: 'FUZZ-1',
          tariff: 'T1',
          zones: ['total'],
          digits: 6,
          decimals: 1,
          object: 'Polna 1',
          installed_on: '2026-01-01',
        })
        .returning<{ id: string }[]>('id')
      const [r] = await trx('meter_readings')
        .insert({
          tenant_id: tenant.id,
          meter_id: m!.id,
          read_on: '2026-11-01',
          source: 'customer',
          status: 'review',
        })
        .returning<{ id: string }[]>('id')
      await trx('meter_reading_values').insert({
        tenant_id: tenant.id,
        reading_id: r!.id,
        zone: 'total',
        value: '5',
      })
      return { meter: m!.id, reading: r!.id }
    })
    // A generation company's registration being prepared, with one unit, for the market forms.
    const { member, marketUnit } = await withTenant(t.db.owner, tenant.id, async (trx) => {
      const owner = await trx('customers').first<{ id: string }>('id')
      const [m] = await trx('market_members')
        .insert({ tenant_id: tenant.id, customer_id: owner.id, member_type: 'generator' })
        .returning<{ id: string }[]>('id')
      const [u] = await trx('market_units')
        .insert({
          tenant_id: tenant.id,
          member_id: m!.id,
          kind: 'generating',
          name: 'Unit 1',
          unit_type: 'hydro',
          capacity_mw: '12.5',
          dispatch_name: 'U1',
          connected_on: '2020-01-01',
        })
        .returning<{ id: string }[]>('id')
      return { member: m!.id, marketUnit: u!.id }
    })
    await customer.get('/services/pgb/import')
    const preview = await multipart(customer, '/services/pgb/import').attach(
      'file',
      Buffer.from('start;PV-1\n'),
      {
        filename: 'plan.csv',
      },
    )
    const imported = /import\/([0-9a-f-]{36})$/.exec(preview.headers.location ?? '')?.[1]
    expect(application && imported).toBeTruthy()
    known = { application: application!, unit, import: imported!, meter, reading, member, marketUnit }
    await customer.get('/account/profile')
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

  it('finds the upload forms by their handler, and fuzzes every one of them', () => {
    expect(posts.filter((r) => r.multipart).map((r) => r.path)).toEqual(
      expect.arrayContaining([
        '/services/applications/new/:type',
        '/services/applications/:id/messages',
        '/admin/applications/:id/status',
        '/admin/applications/:id/messages',
        '/admin/standard-forms',
        '/services/pgb/import',
      ]),
    )
  })

  it('never answers 5xx to hostile multipart forms with hostile files, and a refusal changes no row', async () => {
    const uploads = posts.filter((r) => r.multipart)
    const hostileFile = fc.record({
      field: fc.constantFrom(...FILE_FIELDS),
      name: fc.oneof(
        fc.constantFrom('plan.pdf', 'план №1.pdf', '‮fdp.exe', '../../etc/passwd', '', 'x'.repeat(400)),
        fc.string({ unit: 'grapheme', maxLength: 30 }),
      ),
      body: fc.oneof(
        fc.constantFrom(PDF, PNG, Buffer.alloc(0), Buffer.from('start;PV-1\n2026-12-10 00:00;1\n')),
        fc.uint8Array({ maxLength: 2000 }).map((a) => Buffer.from(a)),
      ),
    })
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...uploads),
        fc.constantFrom(...Object.keys(actors)),
        fc.dictionary(fc.constantFrom(...UPLOAD_FIELDS, ...FIELDS), hostileValue, { maxKeys: 8 }),
        fc.array(hostileFile, { maxLength: 3 }),
        async (route, actor, form, files) => {
          const agent = actors[actor]!
          const before = await rowCounts(t.db.owner)
          let req = multipart(agent, concrete(route.path))
          for (const [key, value] of Object.entries(form)) req = req.field(key, value)
          for (const f of files) req = req.attach(f.field, f.body, { filename: f.name || 'x' })
          const res = await req
          const what = `${actor} ${route.path} ${JSON.stringify(form).slice(0, 200)} ${files.map((f) => f.name).join(',')}`
          expect(res.status, what).toBeLessThan(500)
          expect(res.text).not.toMatch(/\n\s+at .+:\d+:\d+/)
          expect(res.text).not.toContain('undefined')
          if (res.status >= 400) expect(await rowCounts(t.db.owner), what).toBe(before)
        },
      ),
      { numRuns: 200 },
    )
  })

  it('never answers 5xx to hostile query strings on any page or export, and never cuts a download', async () => {
    const pages = gets.filter((r) => !r.path.includes('/live') && !r.path.endsWith('/stream'))
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...pages),
        fc.constantFrom(...Object.keys(actors)),
        fc.dictionary(
          fc.constantFrom(...QUERY_KEYS),
          // As long as a URL gets: the giant form values would be refused by the HTTP parser itself.
          fc.oneof(
            hostileValue.filter((v) => v.length <= 1_000),
            fc.constantFrom(
              '2026-02-30',
              '9999-99-99',
              '2026-13-01',
              '0000-00-00',
              '2026-1-1',
              '-1',
              '1e309',
            ),
          ),
          { maxKeys: 5 },
        ),
        async (route, actor, query) => {
          const agent = actors[actor]!
          const search = new URLSearchParams(query).toString()
          const path = `${concrete(route.path)}?${search}`
          const res = await agent.raw.get(path).set('Host', tenant.host).buffer(true)
          expect(res.status, `${actor} ${path}`).toBeLessThan(500)
          const text = Buffer.isBuffer(res.body) ? res.body.toString('utf8') : (res.text ?? '')
          expect(text, `${actor} ${path}`).not.toMatch(/\n\s+at .+:\d+:\d+/)
        },
      ),
      { numRuns: 400 },
    )
  })

  it('answers a control character in an application’s text or a chat message with a field message', async () => {
    const customer = actors.customer!
    const staff = actors.staff!
    const id = known!.application
    const cases: [ReturnType<typeof agentFor>, string, Record<string, string>, string][] = [
      [customer, `/services/applications/${id}/messages`, { body: 'meter\u0000 photo' }, 'body'],
      [staff, `/admin/applications/${id}/messages`, { body: 'we\u0007 called' }, 'body'],
      [
        staff,
        `/admin/applications/${id}/status`,
        { to: 'rejected', expected: 'submitted', comment: 'no\u0000' },
        'comment',
      ],
      [
        customer,
        '/services/applications/new/tp15',
        { text: 'A house', f_capacity: '12', f_address: 'ul. Polna\u0000 1', action: 'submit' },
        'f_address',
      ],
    ]
    for (const [agent, path, form, field] of cases) {
      const before = await rowCounts(t.db.owner)
      let req = multipart(agent, path)
      for (const [key, value] of Object.entries(form)) req = req.field(key, value)
      if (path.endsWith('tp15')) req = req.attach('doc_plan', PDF, { filename: 'plan.pdf' })
      const res = await req
      expect(res.status, `${path} ${field}`).toBe(422)
      expect(res.text, `${path} ${field}`).toContain(`href="#${field}"`)
      expect(res.text, `${path} ${field}`).toContain('Remove the control characters')
      expect(await rowCounts(t.db.owner)).toBe(before)
    }
  })
})
