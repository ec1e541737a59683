import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { createTenant } from '../helpers/factories.ts'
import { listRoutes } from '../helpers/routes.ts'

const run = promisify(execFile)

/** Issue 22 item 9: the OpenAPI document as served — complete, readable, and clean by Redocly's strict rules. */
describe('public API: the document', () => {
  let t: TestApp
  let host: string
  let document: Record<string, unknown>

  beforeAll(async () => {
    t = await createTestApp()
    host = (await createTenant(t.db.owner)).host
    document = (await request(t.app).get('/api/v1/openapi.json').set('Host', host)).body as Record<
      string,
      unknown
    >
  })
  afterAll(() => t.close())

  it('serves an OpenAPI 3.1 document without a token, describing every API route the app has', () => {
    expect(document.openapi).toBe('3.1.0')
    const documentedOps = Object.entries(document.paths as Record<string, object>).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} /api${p.replace(/\{(\w+)\}/g, ':$1')}`),
    )
    const served = listRoutes(t.app)
      .filter((r) => r.path.startsWith('/api/v1/') && r.path !== '/api/v1/openapi.json')
      .map((r) => `${r.method} ${r.path}`)
    expect(served.length).toBeGreaterThan(0)
    expect(documentedOps.sort()).toEqual(served.sort())
  })

  it('describes every documented operation on a readable page, in the reader’s language, with a curl line', async () => {
    const page = await request(t.app).get('/developers/api').set('Host', host).set('Accept-Language', 'ru')
    expect(page.status).toBe(200)
    const operations = Object.values(document.paths as Record<string, object>).flatMap((ops) =>
      Object.keys(ops),
    )
    expect(page.text.match(/data-testid="operation"/g)).toHaveLength(operations.length)
    expect(page.text).toContain('<code>PUT /api/v1/units/{unit}/days/{day}</code>')
    expect(page.text).toContain('Подайте сутки целиком новой версией')
    expect(page.text).toContain('curl -X PUT -H &quot;Authorization: Bearer $TOKEN&quot;')
    expect(page.text).toContain('id="webhooks"')
    expect(page.text).not.toMatch(/api\.docs\./)
  })

  it('passes Redocly’s strict lint with no warning', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'kabinet-openapi-'))
    try {
      const file = path.join(dir, 'openapi.json')
      await writeFile(file, JSON.stringify(document))
      const cli = path.join(process.cwd(), 'node_modules/.bin/redocly')
      const result = await run(cli, ['lint', file, '--config', 'redocly.yaml', '--format=json'], {
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      }).catch((err: { stdout: string }) => err)
      const report = JSON.parse(result.stdout) as {
        totals: { errors: number; warnings: number }
        problems: { message: string; location: { pointer: string }[] }[]
      }
      expect(report.problems.map((p) => `${p.location[0]?.pointer}: ${p.message}`)).toEqual([])
      expect(report.totals).toMatchObject({ errors: 0, warnings: 0 })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
