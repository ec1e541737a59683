import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { hashToken } from '../../src/platform/tokens.ts'
import { registerConfirmed, signedIn } from '../helpers/accounts.ts'
import { multipart, PDF, postApplication, READING, seedType } from '../helpers/applications.ts'
import { cookieOf } from '../helpers/agent.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { createTenant } from '../helpers/factories.ts'
import { conformsToDocument } from '../helpers/openapi.ts'
import { createOperator, operatorSignIn } from '../helpers/operators.ts'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.ts'

const PASSWORD = 'klucz do api 2026'
type Agent = Awaited<ReturnType<typeof signedIn>>

/** The public API (issue 22): tokens made under the profile, and what each may reach. */
describe('public API: tokens and applications', () => {
  let smtp: SmtpSink
  let t: TestApp
  let a: Awaited<ReturnType<typeof createTenant>>
  let b: Awaited<ReturnType<typeof createTenant>>
  let owner: Agent
  let document: Record<string, unknown>
  /** The owner's applications, oldest first, as the seed made them. */
  const mine: string[] = []
  let theirs: string

  const makeToken = async (agent: Agent, form: Record<string, string | string[]> = {}) => {
    await agent.get('/account/api-tokens')
    const res = await agent.post('/account/api-tokens', {
      name: 'Home Assistant',
      scopes: ['applications:read'],
      expiresOn: '2027-06-30',
      ...form,
    })
    const token = /data-testid="api-token">([^<]+)</.exec(res.text)?.[1]
    return { res, token: token! }
  }
  const api = (path: string, token?: string, host = a.host) => {
    const req = request(t.app).get(path).set('Host', host)
    return token ? req.set('Authorization', `Bearer ${token}`) : req
  }
  /** The answer checked against the served document; the errors, if any. */
  const documented = (path: string, res: request.Response) =>
    conformsToDocument(document, { method: 'GET', path }, res)

  beforeAll(async () => {
    smtp = await startSmtpSink()
    t = await createTestApp({ smtpUrl: smtp.url, mailWorker: true })
    a = await createTenant(t.db.owner, { defaultLocale: 'en' })
    b = await createTenant(t.db.owner, { defaultLocale: 'en' })
    await seedType(t.db.owner, a.id, 'reading', READING)
    await registerConfirmed(t, smtp, a.host, 'owner@example.com', PASSWORD)
    await registerConfirmed(t, smtp, a.host, 'other@example.com', PASSWORD)
    owner = await signedIn(t, a.host, 'owner@example.com', PASSWORD)
    const other = await signedIn(t, a.host, 'other@example.com', PASSWORD)
    const submit = async (agent: Agent, text: string) => {
      const sent = await postApplication(agent, '/services/applications/new/reading', {
        text,
        action: 'submit',
      })
      t.clock.advance(1000)
      return /applications\/([0-9a-f-]{36})\/sent/.exec(sent.headers.location!)![1]!
    }
    for (const text of ['First', 'Second', 'Third']) mine.push(await submit(owner, text))
    theirs = await submit(other, 'Not yours')
    document = (await request(t.app).get('/api/v1/openapi.json').set('Host', a.host)).body as Record<
      string,
      unknown
    >
  })
  afterAll(async () => {
    await t.close()
    await smtp.close()
  })

  it('makes a token shown once, keeps only its hash, and refuses bad input beside each field', async () => {
    const bad = await makeToken(owner, { name: '', scopes: [], expiresOn: '2028-01-01' })
    expect(bad.res.status).toBe(422)
    expect(bad.res.text).toContain('govuk-error-summary')
    expect(bad.res.text).toContain('Enter a name for the token')
    expect(bad.res.text).toContain('Choose at least one scope')
    expect(bad.res.text).toContain('A token may be valid for at most 12 months')
    const past = await makeToken(owner, { expiresOn: '2026-11-20' })
    expect(past.res.text).toContain('The last day cannot be in the past')
    const notADay = await makeToken(owner, { expiresOn: '2027-02-30' })
    expect(notADay.res.status).toBe(422)

    const { res, token } = await makeToken(owner, { name: 'Kept once' })
    expect(res.status).toBe(200)
    expect(token).toMatch(/^kb_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/)
    const list = await owner.get('/account/api-tokens')
    expect(list.text).toContain('Kept once')
    expect(list.text).toContain(`kb_${token.slice(3, 11)}_…`)
    expect(list.text).not.toContain(token)
    const rows = await withTenant(t.db.owner, a.id, (trx) => trx('api_tokens').where({ name: 'Kept once' }))
    expect(rows).toHaveLength(1)
    expect(rows[0].token_hash).toBe(hashToken(token))
    expect(JSON.stringify(rows[0])).not.toContain(token.slice(12))
    // The last day is the one chosen, in the tenant's zone: it works until that day's end.
    expect(rows[0].expires_at.toISOString()).toBe('2027-06-30T22:00:00.000Z')
  })

  it("lists the account's applications newest first, a page at a time, each answer as the document says", async () => {
    const { token } = await makeToken(owner)
    const first = await api('/api/v1/applications?limit=2', token)
    expect(first.status).toBe(200)
    expect(documented('/v1/applications', first)).toEqual([])
    expect(first.headers['ratelimit-limit']).toBe('120')
    const page1 = first.body as { data: { id: string; status: string; typeName: string }[]; next: string }
    expect(page1.data.map((d) => d.id)).toEqual([mine[2], mine[1]])
    expect(page1.data[0]!.typeName).toBe('Meter reading')
    const second = await api(page1.next, token)
    expect(documented('/v1/applications', second)).toEqual([])
    expect((second.body as { data: { id: string }[] }).data.map((d) => d.id)).toEqual([mine[0]])
    expect((second.body as { next: unknown }).next).toBeNull()

    const one = await api(`/api/v1/applications/${mine[0]}`, token)
    expect(one.status).toBe(200)
    expect(documented('/v1/applications/{id}', one)).toEqual([])
    const body = one.body as { status: string; history: { to: string }[]; number: string }
    expect(body.status).toBe('submitted')
    expect(body.history.map((h) => h.to)).toEqual(['submitted'])
    expect(body.number).toMatch(/^SP/)
    // "Last used" is written after the answer, outside its reads.
    const lastUsed = () =>
      withTenant(t.db.owner, a.id, (trx) =>
        trx('api_tokens')
          .where({ token_hash: hashToken(token) })
          .first<{ last_used_at: Date | null }>('last_used_at'),
      ).then((row) => row.last_used_at)
    await expect.poll(lastUsed).not.toBeNull()
  })

  it('reads and writes an application’s conversation; a retried POST with its Idempotency-Key sends one message', async () => {
    const { token } = await makeToken(owner, {
      name: 'Chat',
      scopes: ['applications:read', 'applications:write'],
    })
    const { token: readOnly } = await makeToken(owner, { name: 'Reader' })
    const post = (body: unknown, key?: string, as = token) => {
      const req = request(t.app)
        .post(`/api/v1/applications/${mine[1]}/messages`)
        .set('Host', a.host)
        .set('Authorization', `Bearer ${as}`)
      return (key ? req.set('Idempotency-Key', key) : req).send(body as object)
    }
    const messages = () =>
      withTenant(t.db.owner, a.id, (trx) =>
        trx('application_messages').where({ application_id: mine[1] }).orderBy('n').pluck('body'),
      )
    expect((await post({ body: 'From my script' }, undefined, readOnly)).status).toBe(403)
    const empty = await post({ body: '  ' })
    expect(empty.status).toBe(422)
    expect((empty.body as { errors: { pointer: string }[] }).errors[0]!.pointer).toBe('/body/body')
    expect(await messages()).toEqual([])

    const first = await post({ body: 'Meter photo follows' }, 'retry-1')
    expect(first.status).toBe(201)
    expect(
      conformsToDocument(document, { method: 'POST', path: '/v1/applications/{id}/messages' }, first),
    ).toEqual([])
    const again = await post({ body: 'Meter photo follows' }, 'retry-1')
    expect(again.status).toBe(201)
    expect(again.headers['idempotent-replayed']).toBe('true')
    expect(again.body).toEqual(first.body)
    const form = await request(t.app)
      .post(`/api/v1/applications/${mine[1]}/messages`)
      .set('Host', a.host)
      .set('Authorization', `Bearer ${token}`)
      .type('form')
      .send({ body: 'As a form' })
    expect(form.status).toBe(415)
    expect((form.body as { code: string }).code).toBe('unsupportedMediaType')
    expect(
      conformsToDocument(document, { method: 'POST', path: '/v1/applications/{id}/messages' }, form),
    ).toEqual([])
    const reused = await post({ body: 'Something else' }, 'retry-1')
    expect(reused.status).toBe(422)
    expect((reused.body as { code: string }).code).toBe('idempotencyMismatch')
    expect((await post({ body: 'Second note' })).status).toBe(201)
    expect(await messages()).toEqual(['Meter photo follows', 'Second note'])

    const read = await api(`/api/v1/applications/${mine[1]}/messages`, readOnly)
    expect(read.status).toBe(200)
    expect(documented('/v1/applications/{id}/messages', read)).toEqual([])
    const page = read.body as { data: { n: number; author: string; body: string }[]; earlier: null }
    expect(page.data.map((m) => [m.n, m.author, m.body])).toEqual([
      [1, 'customer', 'Meter photo follows'],
      [2, 'customer', 'Second note'],
    ])
    expect(page.earlier).toBeNull()
    expect((await api(`/api/v1/applications/${theirs}/messages`, readOnly)).status).toBe(404)
    expect(
      (
        await request(t.app)
          .post(`/api/v1/applications/${theirs}/messages`)
          .set('Host', a.host)
          .set('Authorization', `Bearer ${token}`)
          .send({ body: 'Not mine' })
      ).status,
    ).toBe(404)
  })

  it('downloads a document of the conversation as an attachment, only through its own application', async () => {
    const path = `/services/applications/${mine[0]}`
    await owner.get(path)
    const sent = await multipart(owner, `${path}/messages`)
      .field('body', 'Photo of the meter')
      .attach('files', PDF, { filename: 'licznik.pdf' })
    expect(sent.status).toBe(303)
    const { token } = await makeToken(owner, { name: 'Files' })
    const read = await api(`/api/v1/applications/${mine[0]}/messages`, token)
    expect(documented('/v1/applications/{id}/messages', read)).toEqual([])
    const file = (read.body as { data: { files: { name: string; href: string; size: number }[] }[] }).data.at(
      -1,
    )!.files[0]!
    expect(file).toMatchObject({ name: 'licznik.pdf', size: PDF.length })
    const down = await api(file.href, token).buffer(true)
    expect(down.status).toBe(200)
    expect(down.headers['content-disposition']).toMatch(/^attachment; filename="licznik.pdf"/)
    expect(Buffer.compare(down.body as Buffer, PDF)).toBe(0)
    // The same file named under another application (the owner's, or another account's) is not found.
    expect((await api(file.href.replace(mine[0]!, mine[1]!), token)).status).toBe(404)
    expect((await api(file.href.replace(mine[0]!, theirs), token)).status).toBe(404)
    expect((await api(`/api/v1/applications/${mine[0]}/files/nope`, token)).status).toBe(404)
  })

  it('refuses what a token may not reach: no token, a bad one, another account, another tenant, a cookie, a scope not given', async () => {
    const { token } = await makeToken(owner)
    const cases: [string, request.Response, number, string][] = [
      ['no token', await api('/api/v1/applications'), 401, 'unauthorized'],
      ['malformed', await api('/api/v1/applications', 'not-a-token'), 401, 'unauthorized'],
      ['unknown', await api('/api/v1/applications', `kb_00000000_${'A'.repeat(43)}`), 401, 'unauthorized'],
      ["another account's application", await api(`/api/v1/applications/${theirs}`, token), 404, 'notFound'],
      ['not an id', await api('/api/v1/applications/123', token), 404, 'notFound'],
      ["another tenant's host", await api('/api/v1/applications', token, b.host), 401, 'unauthorized'],
      [
        'a signed-in cookie',
        await request(t.app).get('/api/v1/applications').set('Host', a.host).set('Cookie', cookieOf(owner)),
        401,
        'unauthorized',
      ],
      ['nothing there', await api('/api/v1/nothing', token), 404, 'notFound'],
    ]
    for (const [name, res, status, code] of cases) {
      expect({ name, status: res.status }).toEqual({ name, status })
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
      expect((res.body as { code: string }).code).toBe(code)
      expect(res.headers['ratelimit-remaining']).toMatch(/^\d+$/)
    }
    expect(cases[0]![1].headers['www-authenticate']).toBe('Bearer realm="api"')
    // A host that is no tenant's: a problem document too, never the pages' HTML.
    const nowhere = await api('/api/v1/applications', token, 'nowhere.test')
    expect([
      nowhere.status,
      nowhere.headers['content-type'],
      (nowhere.body as { code: string }).code,
    ]).toEqual([404, 'application/problem+json; charset=utf-8', 'notFound'])
    expect(documented('/v1/applications', cases[0]![1])).toEqual([])
    expect(documented('/v1/applications/{id}', cases[3]![1])).toEqual([])

    // A scope not given: told so, with nothing read.
    const id = await withTenant(
      t.db.owner,
      a.id,
      async (trx) => (await trx('customers').where({ email: 'owner@example.com' }).first()).id as string,
    )
    const narrow = `kb_0badcafe_${'B'.repeat(43)}`
    await withTenant(t.db.owner, a.id, (trx) =>
      trx('api_tokens').insert({
        tenant_id: a.id,
        account_id: id,
        created_by: id,
        name: 'Readings only',
        prefix: '0badcafe',
        token_hash: hashToken(narrow),
        scopes: ['readings:read'],
        expires_at: new Date('2027-01-01T00:00:00Z'),
      }),
    )
    const scoped = await api('/api/v1/applications', narrow)
    expect(scoped.status).toBe(403)
    expect((scoped.body as { code: string }).code).toBe('scope')
  })

  it("acts with its creator's standing at each call: a colleague removed takes the token with them", async () => {
    await registerConfirmed(t, smtp, a.host, 'admin-colleague@example.com', PASSWORD)
    const ids = await withTenant(t.db.owner, a.id, async (trx) => {
      const id = async (email: string) => (await trx('customers').where({ email }).first('id')).id as string
      return { owner: await id('owner@example.com'), colleague: await id('admin-colleague@example.com') }
    })
    await withTenant(t.db.owner, a.id, (trx) =>
      trx('account_members').insert({
        tenant_id: a.id,
        account_id: ids.owner,
        person_id: ids.colleague,
        role: 'administrator',
        permissions: [],
      }),
    )
    const colleague = await signedIn(t, a.host, 'admin-colleague@example.com', PASSWORD)
    await colleague.get('/account/acting')
    expect((await colleague.post('/account/acting', { account: ids.owner })).status).toBe(303)
    const { token } = await makeToken(colleague, { name: 'Colleague script' })
    const res = await api('/api/v1/applications', token)
    expect(res.status).toBe(200)
    expect((res.body as { data: unknown[] }).data).toHaveLength(3)
    const row = await withTenant(t.db.owner, a.id, (trx) =>
      trx('api_tokens')
        .where({ token_hash: hashToken(token) })
        .first(),
    )
    expect({ account: row.account_id, by: row.created_by }).toEqual({ account: ids.owner, by: ids.colleague })

    const team = await owner.get('/account/colleagues')
    const member = /colleagues\/([0-9a-f-]{36})"/.exec(team.text)![1]!
    await owner.get(`/account/colleagues/${member}`)
    expect((await owner.post(`/account/colleagues/${member}/remove`)).status).toBe(303)
    expect((await api('/api/v1/applications', token)).status).toBe(401)
  })

  it('ends a token at once when revoked (by its account or by staff) and by itself when it expires', async () => {
    const byOwner = await makeToken(owner, { name: 'Revoke me' })
    expect((await api('/api/v1/applications', byOwner.token)).status).toBe(200)
    const states = await withTenant(t.db.owner, a.id, (trx) =>
      trx('api_tokens')
        .where({ token_hash: hashToken(byOwner.token) })
        .first(),
    )
    await owner.get('/account/api-tokens')
    expect((await owner.post(`/account/api-tokens/${states.id as string}/revoke`)).status).toBe(303)
    expect((await api('/api/v1/applications', byOwner.token)).status).toBe(401)
    expect((await owner.get('/account/api-tokens')).text).toContain('Revoked')

    const byStaff = await makeToken(owner, { name: 'Staff end it' })
    const staff = await operatorSignIn(t, a.host, await createOperator(t, a.id))
    const customerId = states.account_id as string
    const staffPage = await staff.agent.get(`/admin/customers/${customerId}/api-tokens`)
    expect(staffPage.status).toBe(200)
    expect(staffPage.text).toContain('Staff end it')
    const tokenId = (
      await withTenant(t.db.owner, a.id, (trx) => trx('api_tokens').where({ name: 'Staff end it' }).first())
    ).id as string
    expect(
      (await staff.agent.post(`/admin/customers/${customerId}/api-tokens/${tokenId}/revoke`)).status,
    ).toBe(303)
    expect((await api('/api/v1/applications', byStaff.token)).status).toBe(401)
    const audit = await withTenant(t.db.owner, a.id, (trx) =>
      trx('audit_log').where({ action: 'api.token-revoked' }).pluck('details'),
    )
    expect(audit.map((d: { by: string }) => d.by).sort()).toEqual(['customer', 'operator'])

    const short = await makeToken(owner, { name: 'Short', expiresOn: '2026-11-21' })
    expect((await api('/api/v1/applications', short.token)).status).toBe(200)
    t.clock.advance(86_400_000)
    try {
      expect((await api('/api/v1/applications', short.token)).status).toBe(401)
    } finally {
      t.clock.advance(-86_400_000)
    }
  })

  it('answers problems in the reader’s language, points at the bad parameter, and never logs a token', async () => {
    const { token } = await makeToken(owner)
    const bad = await api('/api/v1/applications?limit=0&status=lost', token).set('Accept-Language', 'pl')
    expect(bad.status).toBe(422)
    expect(documented('/v1/applications', bad)).toEqual([])
    const problem = bad.body as {
      detail: string
      title: string
      errors: { pointer: string; detail: string }[]
    }
    expect(problem.title).toBe('Invalid request')
    expect(problem.detail).toBe('Część żądania jest nieprawidłowa; zobacz errors.')
    expect(problem.errors.map((e) => e.pointer).sort()).toEqual(['/query/limit', '/query/status'])
    expect(bad.headers['content-language']).toBe('pl')
    const cursor = await api('/api/v1/applications?cursor=bm9wZQ', token)
    expect((cursor.body as { errors: { pointer: string }[] }).errors[0]!.pointer).toBe('/query/cursor')
    expect(t.logs.join('\n')).not.toContain(token.slice(12))
  })

  it('shows its rate limit on every answer and refuses with Retry-After once it is spent', async () => {
    const { token } = await makeToken(owner, { name: 'Busy script' })
    let last: request.Response | undefined
    for (let i = 0; i < 121; i++) {
      last = await api('/api/v1/applications?limit=1', token)
      if (last.status !== 200) break
    }
    expect(last!.status).toBe(429)
    expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0)
    expect(last!.headers['ratelimit-remaining']).toBe('0')
    expect(documented('/v1/applications', last!)).toEqual([])
  })
})
