import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { createTenant } from '../helpers/factories.ts'

describe('static files', () => {
  let t: TestApp
  let host: string
  beforeAll(async () => {
    t = await createTestApp()
    host = (await createTenant(t.db.owner)).host
  })
  afterAll(() => t.close())

  it('pages name the stylesheet and script by their content, which browsers keep for a year', async () => {
    const page = await request(t.app).get('/').set('Host', host)
    const css = /href="(\/public\/css\/main\.css\?v=[0-9a-f]{12})"/.exec(page.text)?.[1]
    const js = /src="(\/public\/js\/kabinet\.js\?v=[0-9a-f]{12})"/.exec(page.text)?.[1]
    expect(css).toBeDefined()
    expect(js).toBeDefined()
    for (const url of [css!, js!]) {
      const res = await request(t.app).get(url).set('Host', host)
      expect(res.status).toBe(200)
      expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    }
    // Without the version, outside production, a file is checked again every time.
    const bare = await request(t.app).get('/public/css/main.css').set('Host', host)
    expect(bare.headers['cache-control']).toBe('public, max-age=0')
  })
})
