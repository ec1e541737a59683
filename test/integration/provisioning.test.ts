import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { addHost, createTenant, removeHost, setDisabled } from '../../src/modules/tenants/provisioning.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'

const GOOD = {
  name: 'Acme Energia',
  defaultLocale: 'pl' as const,
  timeZone: 'Europe/Warsaw',
  branding: { primaryColour: '#1d70b8' },
  enabledServices: ['pgb' as const],
  supportEmail: 'support@acme.example',
  publicBaseUrl: 'https://portal.acme.example',
}

describe('tenant provisioning (npm run tenant)', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await createTestApp()
  })
  afterAll(() => t.close())
  const tr = () => t.deps.i18n.t('en')
  /** The CLI runs in another process: this app hears of its change by NOTIFY, within moments. */
  async function statusOn(host: string, expected: number, path = '/') {
    let status = 0
    for (let i = 0; i < 40 && status !== expected; i++) {
      status = (await request(t.app).get(path).set('Host', host)).status
      if (status !== expected) await new Promise((r) => setTimeout(r, 50))
    }
    return status
  }

  it('refuses bad values with one clear line each, and creates nothing', async () => {
    const outcome = await createTenant(t.db.owner, tr(), {
      slug: 'Acme!',
      hosts: ['https://portal.acme.example'],
      settings: { ...GOOD, timeZone: 'Mars/Olympus', supportEmail: 'nope', publicBaseUrl: 'ftp://x' },
    })
    expect(outcome.ok).toBe(false)
    const lines = outcome.ok ? [] : outcome.errors
    expect(lines).toHaveLength(5)
    expect(lines[0]).toMatch(/^slug: /)
    expect(lines.some((l) => /^timeZone: \S/.test(l))).toBe(true)
    expect(lines.some((l) => /^supportEmail: \S/.test(l))).toBe(true)
    expect(lines.some((l) => /^host: /.test(l))).toBe(true)
    expect(lines.join('\n')).not.toContain('settings.errors')
    expect(await t.db.owner('tenants').where({ slug: 'Acme!' }).first()).toBeUndefined()
  })

  it('creates a tenant that answers on its host, adds hosts idempotently, disables and enables it', async () => {
    const created = await createTenant(t.db.owner, tr(), {
      slug: 'acme',
      hosts: ['Portal.Acme.Example'],
      settings: GOOD,
    })
    if (!created.ok) throw new Error(created.errors.join('\n'))
    const home = await request(t.app).get('/').set('Host', 'portal.acme.example')
    expect(home.status).toBe(200)
    expect(home.text).toContain('Acme Energia')

    expect(await createTenant(t.db.owner, tr(), { slug: 'acme', hosts: [], settings: GOOD })).toEqual({
      ok: false,
      errors: ['slug: a tenant "acme" already exists'],
    })
    expect(await addHost(t.db.owner, 'acme', 'acme.example')).toEqual({ ok: true, value: 'added' })
    expect(await addHost(t.db.owner, 'acme', 'ACME.example')).toEqual({ ok: true, value: 'unchanged' })
    expect((await request(t.app).get('/').set('Host', 'acme.example')).status).toBe(200)

    expect((await setDisabled(t.db.owner, 'acme', true)).ok).toBe(true)
    expect(await statusOn('acme.example', 503)).toBe(503)
    const off = await request(t.app).get('/').set('Host', 'acme.example').set('Accept-Language', 'pl')
    expect(off.status).toBe(503)
    expect(off.text).toContain('Ten portal jest niedostępny')
    expect((await request(t.app).get('/login').set('Host', 'portal.acme.example')).status).toBe(503)
    expect((await setDisabled(t.db.owner, 'acme', false)).ok).toBe(true)
    expect(await statusOn('acme.example', 200)).toBe(200)

    expect(await removeHost(t.db.owner, 'acme', 'acme.example')).toEqual({ ok: true, value: 'removed' })
    expect(await statusOn('acme.example', 404)).toBe(404)

    const actions = await withTenant(t.db.owner, created.value.id, (trx) =>
      trx('audit_log').where({ actor_type: 'platform' }).orderBy('at').pluck('action'),
    )
    expect(actions).toEqual([
      'tenant.created',
      'tenant.host-added',
      'tenant.disabled',
      'tenant.enabled',
      'tenant.host-removed',
    ])
  })
})
