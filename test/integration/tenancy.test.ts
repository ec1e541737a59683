import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { createTenant } from '../helpers/factories.ts'
import { forEachActiveTenant } from '../../src/platform/tenancy/repo.ts'
import { setDisabled } from '../../src/modules/tenants/provisioning.ts'

describe('tenant resolution', () => {
  let t: TestApp
  let a: Awaited<ReturnType<typeof createTenant>>

  beforeAll(async () => {
    t = await createTestApp()
    a = await createTenant(t.db.owner, {
      name: 'Alpha Grid',
      defaultLocale: 'pl',
      enabledServices: ['pgb', 'readings'],
    })
    await createTenant(t.db.owner, {
      name: 'Beta Trading',
      defaultLocale: 'zh-CN',
      enabledServices: [],
      hosts: ['beta.test', 'portal.beta.test'],
    })
  })
  afterAll(() => t.close())

  it('serves each tenant its own home page, in its default language, by Host', async () => {
    const resA = await request(t.app).get('/').set('Host', a.host)
    expect(resA.status).toBe(200)
    expect(resA.text).toContain('<html lang="pl"')
    expect(resA.text).toContain('Alpha Grid')
    expect(resA.text).toContain('Planowanie generacji')
    expect(resA.text).not.toContain('Beta Trading')

    const resB = await request(t.app).get('/').set('Host', 'PORTAL.beta.test:8080')
    expect(resB.status).toBe(200)
    expect(resB.text).toContain('Beta Trading')
    expect(resB.text).toContain('暂无在线服务。')
  })

  it('answers an unknown host with a 404 page and no tenant data', async () => {
    const res = await request(t.app).get('/').set('Host', 'unknown.example').set('Accept-Language', 'ru')
    expect(res.status).toBe(404)
    expect(res.text).toContain('Кабинет не найден')
    expect(res.text).not.toContain('Alpha Grid')
  })

  it('answers unknown paths of a tenant with its localised 404 page', async () => {
    const res = await request(t.app).get('/no/such/page').set('Host', a.host)
    expect(res.status).toBe(404)
    expect(res.text).toContain('Nie znaleziono strony')
  })

  it('switches language by ?lang= and remembers it in a cookie; Accept-Language otherwise', async () => {
    const switched = await request(t.app).get('/?lang=ru').set('Host', a.host)
    expect(switched.text).toContain('<html lang="ru"')
    const cookie = switched.headers['set-cookie']
    expect(String(cookie)).toMatch(/lang=ru;.*HttpOnly/)
    const later = await request(t.app).get('/').set('Host', a.host).set('Cookie', 'lang=ru')
    expect(later.text).toContain('Онлайн доступны 2 услуги.')
    const byHeader = await request(t.app)
      .get('/')
      .set('Host', a.host)
      .set('Accept-Language', 'en-GB,en;q=0.8')
    expect(byHeader.text).toContain('2 services are available online.')
  })

  it('serves the brand colour as a stylesheet', async () => {
    const res = await request(t.app).get('/tenant.css').set('Host', a.host)
    expect(res.type).toBe('text/css')
    expect(res.text).toContain('--kb-brand:#1d70b8')
  })

  it('lists the tenants on plain localhost in development only', async () => {
    const res = await request(t.app).get('/').set('Host', 'localhost:3000')
    expect(res.status).toBe(200)
    expect(res.text).toContain('Alpha Grid')
    expect(res.text).toContain('href="https://beta.test/"')
    const prod = await createTestApp({
      database: t.db,
      env: { NODE_ENV: 'production', SMTP_URL: 'smtp://127.0.0.1:2525', DATABASE_URL: t.db.runtimeUrl },
    })
    try {
      const res404 = await request(prod.app).get('/').set('Host', 'localhost')
      expect(res404.status).toBe(404)
      const mailbox = await request(prod.app).get('/dev/mailbox').set('Host', a.host)
      expect(mailbox.status).toBe(404)
    } finally {
      await prod.close()
    }
  })

  it('runs jobs for the tenants the platform has not disabled, and only those', async () => {
    const off = await createTenant(t.db.owner, { name: 'Gamma, switched off' })
    expect((await setDisabled(t.db.owner, off.slug, true)).ok).toBe(true)
    const visited: string[] = []
    const done = await forEachActiveTenant(t.deps.db, (tenant) => {
      visited.push(tenant.id)
      return Promise.resolve(2)
    })
    expect(visited).toContain(a.id)
    expect(visited).not.toContain(off.id)
    expect(done).toBe(visited.length * 2)
  })
})
