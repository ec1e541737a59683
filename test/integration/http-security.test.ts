import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MODULES } from '../../src/registry.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { agentFor } from '../helpers/agent.ts'
import { createTenant } from '../helpers/factories.ts'
import { probeModule } from '../helpers/probe-module.ts'

const modules = [...MODULES, probeModule]

function expectSecurityHeaders(res: request.Response): void {
  const csp = String(res.headers['content-security-policy'])
  expect(csp).toContain("default-src 'self'")
  expect(csp).toContain("base-uri 'none'")
  expect(csp).toContain("object-src 'none'")
  expect(csp).toContain("frame-ancestors 'none'")
  expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]{20,}'/)
  expect(csp).not.toContain('unsafe-inline')
  expect(res.headers['x-content-type-options']).toBe('nosniff')
  expect(res.headers['referrer-policy']).toBe('same-origin')
  expect(res.headers['x-powered-by']).toBeUndefined()
}

describe('HTTP platform security', () => {
  let t: TestApp
  let a: Awaited<ReturnType<typeof createTenant>>
  let b: Awaited<ReturnType<typeof createTenant>>

  beforeAll(async () => {
    t = await createTestApp({ modules })
    a = await createTenant(t.db.owner)
    b = await createTenant(t.db.owner)
  })
  afterAll(() => t.close())

  it('sets CSP and the other headers on pages, 404s, 500s and downloads', async () => {
    const page = await request(t.app).get('/').set('Host', a.host)
    expectSecurityHeaders(page)
    const missing = await request(t.app).get('/nope').set('Host', a.host)
    expect(missing.status).toBe(404)
    expectSecurityHeaders(missing)
    const unknownHost = await request(t.app).get('/').set('Host', 'nobody.example')
    expectSecurityHeaders(unknownHost)

    const boom = await request(t.app).get('/probe/boom').set('Host', a.host)
    expect(boom.status).toBe(500)
    expectSecurityHeaders(boom)
    const requestId = String(boom.headers['x-request-id'])
    expect(boom.text).toContain(requestId)
    expect(boom.text).not.toContain('kaboom')
    expect(boom.text).not.toMatch(/at .*\.ts:\d+/)
    expect(t.logs.join('')).toContain('kaboom: secret internals')

    const agent = agentFor(t.app, a.host)
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex')
    await agent.get('/probe/form')
    const up = await agent.raw
      .post(`/probe/upload?_csrf=${agent.csrfToken}`)
      .set('Host', a.host)
      .set('Origin', `http://${a.host}`)
      .attach('scan', png, { filename: 'x.png', contentType: 'image/png' })
    expect(up.status).toBe(201)
    const [id] = (up.body as { ids: string[] }).ids
    const download = await request(t.app).get(`/probe/files/${id}`).set('Host', a.host)
    expect(download.status).toBe(200)
    expect(download.headers['content-security-policy']).toBe("sandbox; default-src 'none'")
    expect(download.headers['x-content-type-options']).toBe('nosniff')
    expect(download.headers['referrer-policy']).toBe('same-origin')
    expect(download.headers['content-disposition']).toMatch(/^attachment;/)
  })

  it('refuses unsafe requests without a CSRF token, or with another session’s token', async () => {
    const agent = agentFor(t.app, a.host)
    await agent.get('/probe/form')
    expect(agent.csrfToken).toMatch(/.{20,}/)

    const missing = await agent.raw.post('/probe/form').set('Host', a.host).type('form').send({})
    expect(missing.status).toBe(403)
    expect(missing.text).toContain('The form has expired')

    const other = agentFor(t.app, a.host)
    await other.get('/probe/form')
    const foreign = await agent.raw
      .post('/probe/form')
      .set('Host', a.host)
      .type('form')
      .send({ _csrf: other.csrfToken })
    expect(foreign.status).toBe(403)

    const ok = await agent.post('/probe/form')
    expect(ok.status).toBe(303)
    expect(ok.headers.location).toBe('/probe/form')

    const crossSite = await agent.post('/probe/form').set('Sec-Fetch-Site', 'cross-site')
    expect(crossSite.status).toBe(403)
    expect(t.logs.join('')).toContain('csrf_rejected')
  })

  it('binds a session to its tenant: presented on another tenant’s host it is replaced', async () => {
    const agentA = agentFor(t.app, a.host)
    const first = await agentA.get('/probe/form')
    const cookieA = String(first.headers['set-cookie']).split(';')[0]!
    expect(cookieA).toMatch(/^kabinet\.sid=/)

    const onB = await request(t.app)
      .post('/probe/form')
      .set('Host', b.host)
      .set('Cookie', cookieA)
      .type('form')
      .send({ _csrf: agentA.csrfToken })
    expect(onB.status).toBe(403)

    const pageOnB = await request(t.app).get('/probe/form').set('Host', b.host).set('Cookie', cookieA)
    const cookieB = String(pageOnB.headers['set-cookie']).split(';')[0]!
    expect(cookieB).toMatch(/^kabinet\.sid=/)
    expect(cookieB).not.toBe(cookieA)
    // A's session itself is untouched on A.
    expect((await agentA.post('/probe/form')).status).toBe(303)
  })

  it('ends a session after the absolute timeout even while it is in use', async () => {
    const agent = agentFor(t.app, a.host)
    await agent.get('/probe/form')
    t.clock.advance(11 * 3_600_000)
    expect((await agent.post('/probe/form')).status).toBe(303)
    t.clock.advance(2 * 3_600_000)
    expect((await agent.post('/probe/form')).status).toBe(403)
  })

  it('rate-limits per IP with 429 and Retry-After; X-Forwarded-For is ignored without trusted proxies', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 5; i++) {
      const res = await request(t.app)
        .get('/probe/limited')
        .set('Host', a.host)
        .set('X-Forwarded-For', `10.0.0.${i}`)
      statuses.push(res.status)
      if (res.status === 429) {
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0)
        expect(res.text).toContain('Too many attempts')
      }
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429])
  })

  it('never writes cookies, CSRF tokens or passwords to the log', async () => {
    const agent = agentFor(t.app, a.host)
    await agent.get('/probe/form')
    await agent.post('/probe/form', { password: 'Hunter2-planted-secret' })
    await agent.raw.get('/?token=planted-token-value').set('Host', a.host)
    const logs = t.logs.join('')
    expect(logs).not.toContain(agent.csrfToken)
    expect(logs).not.toContain('Hunter2-planted-secret')
    expect(logs).not.toContain('planted-token-value')
    expect(logs).not.toMatch(/kabinet\.sid=s%3A/)
  })

  it('maps each domain error to its own page: forbidden is not "the form has expired"', async () => {
    const agent = agentFor(t.app, a.host)
    await agent.get('/probe/form')
    const forbidden = await agent.post('/probe/domain/forbidden')
    expect(forbidden.status).toBe(403)
    expect(forbidden.text).toContain('You cannot do this')
    expect(forbidden.text).not.toContain('The form has expired')
    const csrf = await request(t.app).post('/probe/form').set('Host', a.host).type('form').send({})
    expect(csrf.status).toBe(403)
    expect(csrf.text).toContain('The form has expired')
    expect((await agent.post('/probe/domain/conflict')).status).toBe(409)
    expect((await agent.post('/probe/domain/missing')).status).toBe(404)
    const field = await agent.post('/probe/field', { email: 'x@example.com' })
    expect(field.status).toBe(422)
    expect(field.text).toContain('href="#email"')
    expect(field.text).toContain('This email already belongs to a staff member')
  })

  it('closes /admin/** to anyone but staff and /account/** to anyone but customers, guard or not', async () => {
    const staffPage = await request(t.app).get('/admin/probe-unguarded').set('Host', a.host)
    expect(staffPage.status).toBe(303)
    expect(staffPage.headers.location).toBe('/admin/login')
    const accountPage = await request(t.app).get('/account/probe-unguarded').set('Host', a.host)
    expect(accountPage.status).toBe(303)
    expect(accountPage.headers.location).toBe('/login?next=%2Faccount%2Fprobe-unguarded')
    expect(staffPage.text + accountPage.text).not.toContain('secrets')
  })

  it('says how long to wait as people do, in the reader’s language', async () => {
    const short = await request(t.app)
      .get('/probe/throttled/45')
      .set('Host', a.host)
      .set('Accept-Language', 'en')
    expect(short.status).toBe(429)
    expect(short.text).toContain('Wait 45 seconds')
    const long = await request(t.app)
      .get('/probe/throttled/1800')
      .set('Host', a.host)
      .set('Accept-Language', 'ru')
    expect(long.headers['retry-after']).toBe('1800')
    expect(long.text).toContain('Подождите около 30 минут')
    expect(long.text).not.toContain('Подождите 1800')
  })
})

describe('session cookie in production', () => {
  let t: TestApp
  let a: Awaited<ReturnType<typeof createTenant>>

  beforeAll(async () => {
    t = await createTestApp({
      modules,
      env: {
        NODE_ENV: 'production',
        SMTP_URL: 'smtp://127.0.0.1:2525',
        TRUST_PROXY_HOPS: '1',
        DATABASE_URL: 'postgres://u@h/d',
      },
    })
    a = await createTenant(t.db.owner)
  })
  afterAll(() => t.close())

  it('is __Host-sid, Secure, HttpOnly, SameSite=Lax, Path=/, with HSTS', async () => {
    const res = await request(t.app).get('/probe/form').set('Host', a.host).set('X-Forwarded-Proto', 'https')
    const cookie = String(res.headers['set-cookie'])
    expect(cookie).toMatch(/^__Host-sid=/)
    expect(cookie).toContain('Secure')
    expect(cookie).toContain('HttpOnly')
    expect(cookie).toContain('SameSite=Lax')
    expect(cookie).toContain('Path=/')
    expect(cookie).not.toContain('Domain=')
    expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/)
  })

  it('sets no session cookie on pages without a form', async () => {
    const res = await request(t.app).get('/').set('Host', a.host).set('X-Forwarded-Proto', 'https')
    expect(res.headers['set-cookie']).toBeUndefined()
  })
})
