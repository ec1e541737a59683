import { Router } from 'express'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import type { KabinetModule } from '../../src/module.ts'
import { MODULES } from '../../src/registry.ts'
import { registerConfirmed, signedIn } from '../helpers/accounts.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { createTenant } from '../helpers/factories.ts'
import { createOperator, operatorSignIn } from '../helpers/operators.ts'
import { probeModule } from '../helpers/probe-module.ts'
import { MODULE_SETTINGS_FORM } from '../helpers/settings.ts'
import { startSmtpSink } from '../helpers/smtp.ts'

describe('a module plugs in through its descriptor', () => {
  let t: TestApp
  let tenant: Awaited<ReturnType<typeof createTenant>>

  beforeAll(async () => {
    t = await createTestApp({ modules: [...MODULES, probeModule] })
    tenant = await createTenant(t.db.owner, { defaultLocale: 'pl' })
  })
  afterAll(() => t.close())

  it('adds its staff page to the navigation, behind the staff-only default, in its own namespace', async () => {
    expect((await request(t.app).get('/admin/probe').set('Host', tenant.host)).status).toBe(303)
    const { agent } = await operatorSignIn(t, tenant.host, await createOperator(t, tenant.id, 'operator'))
    const home = await agent.get('/admin')
    expect(home.text).toContain('<a class="govuk-link" href="/admin/probe">Sonda</a>')
    // Entries for administrators only are not offered to an operator.
    expect(home.text).not.toContain('href="/admin/audit"')
    expect((await agent.get('/admin/probe')).text).toContain('<h1>Strona sondy</h1>')
  })

  it('keeps its customer pages under /services for signed-in customers, whatever the order modules are mounted in', async () => {
    // Mounted before every other module, so no other module's guard stands in front of it.
    const first = await createTestApp({ modules: [probeModule, ...MODULES] })
    try {
      const host = (await createTenant(first.db.owner, { defaultLocale: 'pl' })).host
      const anonymous = await request(first.app).get('/services/probe').set('Host', host)
      expect(anonymous.status).toBe(303)
      expect(anonymous.headers.location).toMatch(/^\/login/)
      const { agent } = await operatorSignIn(
        first,
        host,
        await createOperator(first, (await first.deps.tenants.byHost(host))!.id, 'admin'),
      )
      expect((await agent.get('/services/probe')).text).not.toContain('<h1>Strona sondy</h1>')
    } finally {
      await first.close()
    }
  })

  it('edits its settings part on the tenant settings page: validated with the rest, stored under its name', async () => {
    const { agent } = await operatorSignIn(t, tenant.host, await createOperator(t, tenant.id, 'admin'))
    const page = await agent.get('/admin/settings')
    expect(page.text).toContain('Ważność tokenu do usługi (dni)')
    expect(page.text).toMatch(/id="enrolmentDays" name="enrolmentDays" type="text" value="14"/)
    const base = {
      name: 'Probe Grid',
      defaultLocale: 'pl',
      timeZone: 'Europe/Warsaw',
      primaryColour: '#1d70b8',
      supportEmail: 'help@probe.example',
      publicBaseUrl: 'https://probe.example',
      registrationModes: 'emailConfirmation',
      oneTimePasswordDays: '7',
      minLength: '8',
      ...MODULE_SETTINGS_FORM,
    }
    const stored = () =>
      withTenant(t.deps.db, tenant.id, (trx) => trx('tenants').where({ id: tenant.id }).first('settings'))
    const before = (await stored()).settings

    const bad = await agent.post('/admin/settings', {
      ...base,
      name: '',
      enrolmentDays: '500',
      // Customers' AMR passwords would go there: no credentials in it, only http(s).
      readings_amrHeadEnd: 'https://user:secret@askue.example.ru',
    })
    expect(bad.status).toBe(422)
    // Both the platform's error and the module's, in the order of the form.
    const summary = bad.text.slice(bad.text.indexOf('govuk-error-summary'))
    expect(summary.indexOf('href="#name"')).toBeGreaterThan(-1)
    expect(summary.indexOf('href="#enrolmentDays"')).toBeGreaterThan(summary.indexOf('href="#name"'))
    expect(bad.text).toContain('Podaj liczbę dni od 1 do 90')
    expect(bad.text).toContain('Podaj adres https:// bez nazwy użytkownika, hasła i parametrów')
    expect((await stored()).settings).toEqual(before)

    expect(
      (
        await agent.post('/admin/settings', {
          ...base,
          enrolmentDays: '30',
          readings_amrHeadEnd: 'https://askue.example.ru',
        })
      ).status,
    ).toBe(303)
    expect((await stored()).settings.modules.services).toMatchObject({ enrolmentDays: 30 })
    expect((await stored()).settings.modules.readings).toMatchObject({
      amrHeadEnd: 'https://askue.example.ru',
    })
    expect((await agent.get('/admin/settings')).text).toMatch(
      /id="enrolmentDays" name="enrolmentDays" type="text" value="30"/,
    )
  })

  it('names its service, script and stylesheet in its descriptor: the services module and every page follow', async () => {
    const smtp = await startSmtpSink()
    const readings: KabinetModule = {
      name: 'readings-probe',
      service: 'readings',
      assets: { scripts: ['js/modules/generation.js'], styles: ['css/modules/calendar.css'] },
      routes: () =>
        Router().get('/services/readings', (_req, res) => {
          res.type('html').send('<h1>readings module</h1>')
        }),
    }
    // Assembled without applications and readings, then with a module that claims readings.
    const withoutApplications = MODULES.filter((m) => !['applications', 'readings'].includes(m.name))
    const apps = [
      await createTestApp({ smtpUrl: smtp.url, mailWorker: true, modules: withoutApplications }),
      await createTestApp({
        smtpUrl: smtp.url,
        mailWorker: true,
        modules: [...withoutApplications, readings],
      }),
    ]
    try {
      const pages = []
      for (const [i, app] of apps.entries()) {
        const host = (await createTenant(app.db.owner, { defaultLocale: 'en' })).host
        await registerConfirmed(app, smtp, host, `kit${i}@example.com`, 'słoneczny poranek 12')
        const agent = await signedIn(app, host, `kit${i}@example.com`, 'słoneczny poranek 12')
        pages.push({ readings: await agent.get('/services/readings'), home: await agent.get('/') })
      }
      const [plain, claimed] = pages
      // No module serves readings: the services module's placeholder; then the module's own page.
      expect(plain!.readings.text).toContain('data-testid="service-title"')
      expect(claimed!.readings.text).toBe('<h1>readings module</h1>')
      // Each page links the assets of the modules it was assembled from, and no others.
      expect(plain!.home.text).toMatch(/src="\/public\/js\/modules\/generation\.js\?v=[0-9a-f]{12}"/)
      expect(plain!.home.text).not.toContain('js/modules/applications.js')
      expect(plain!.home.text).not.toContain('css/modules/applications.css')
      expect(plain!.home.text.match(/css\/modules\/calendar\.css/g)).toHaveLength(1)
      expect(claimed!.home.text.match(/css\/modules\/calendar\.css/g)).toHaveLength(2)
    } finally {
      for (const app of apps) await app.close()
      await smtp.close()
    }
  })
})
