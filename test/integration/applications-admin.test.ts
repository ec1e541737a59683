import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { registerConfirmed, signedIn } from '../helpers/accounts.ts'
import { PDF, multipart, postApplication } from '../helpers/applications.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { createTenant } from '../helpers/factories.ts'
import { createOperator, operatorSignIn } from '../helpers/operators.ts'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.ts'

const PASSWORD = 'słoneczny poranek 12'
const BASE = '/admin/application-types'

/** The editor's form for a connection type with one field and one document. */
const TYPE_FORM = {
  name: 'Connection',
  'name-pl': 'Przyłączenie',
  description: 'For houses',
  info: 'Four months.',
  prefix: 'PC',
  workflow: 'tp',
  reviewDays: '7',
  active: 'yes',
  'fields-0-code': 'capacity',
  'fields-0-kind': 'capacity',
  'fields-0-label': 'Capacity',
  'fields-0-max': '15',
  'fields-0-required': 'yes',
  'documents-0-code': 'plan',
  'documents-0-label': 'Site plan',
  'documents-0-kinds': ['pdf', 'png'],
  'documents-0-required': 'yes',
}

describe('applications: types as versioned data, and the standard forms library', () => {
  let smtp: SmtpSink
  let t: TestApp
  let tenant: Awaited<ReturnType<typeof createTenant>>
  let admin: Awaited<ReturnType<typeof operatorSignIn>>['agent']
  const versions = (code: string) =>
    withTenant(t.db.owner, tenant.id, (trx) =>
      trx('application_types').where({ code }).orderBy('version').pluck('version'),
    )
  const save = async (code: string, form: Record<string, string | string[]>) => {
    await admin.get(`${BASE}/${code}`)
    return admin.post(`${BASE}/${code}`, form)
  }
  /** A type of the test's own, created and saved once (versions 1 and 2), offered to customers. */
  const newType = async (code: string) => {
    await admin.get(BASE)
    expect((await admin.post(BASE, { code })).status).toBe(303)
    expect((await save(code, TYPE_FORM)).status).toBe(303)
  }

  beforeAll(async () => {
    smtp = await startSmtpSink()
    t = await createTestApp({ smtpUrl: smtp.url, mailWorker: true })
    tenant = await createTenant(t.db.owner)
    await registerConfirmed(t, smtp, tenant.host, 'jan@example.com', PASSWORD)
    admin = (await operatorSignIn(t, tenant.host, await createOperator(t, tenant.id, 'admin'))).agent
  })
  afterAll(async () => {
    await t.close()
    await smtp.close()
  })

  it('creates a type inactive, so customers see it only once an administrator offers it', async () => {
    await admin.get(BASE)
    expect((await admin.post(BASE, { code: 'Bad Code' })).status).toBe(422)
    expect((await admin.post(BASE, { code: 'connect' })).headers.location).toBe(`${BASE}/connect`)
    expect((await admin.post(BASE, { code: 'connect' })).status).toBe(422)
    const jan = await signedIn(t, tenant.host, 'jan@example.com', PASSWORD)
    expect((await jan.get('/services/applications/new/connect')).status).toBe(404)
    const saved = await save('connect', TYPE_FORM)
    expect(saved.status).toBe(303)
    expect(await versions('connect')).toEqual([1, 2])
    const page = await jan.get('/services/applications/new/connect/form')
    expect(page.status).toBe(200)
    expect(page.text).toContain('id="f_capacity"')
    expect(page.text).toContain('id="doc_plan"')
  })

  it('refuses an invalid type with each error beside its field, and makes no version', async () => {
    await newType('invalid')
    const res = await save('invalid', {
      ...TYPE_FORM,
      prefix: 'x1',
      reviewDays: '0',
      'fields-1-code': 'kind',
      'fields-1-kind': 'select',
      'fields-1-label': 'Kind',
      'fields-1-options': 'only | One',
    })
    expect(res.status).toBe(422)
    for (const id of ['prefix', 'reviewDays', 'fields-1-options']) expect(res.text).toContain(`href="#${id}"`)
    expect(await versions('invalid')).toEqual([1, 2])
  })

  it('keeps later steps’ deadlines with the type, and refuses one a workflow has no step for', async () => {
    await admin.get(BASE)
    expect((await admin.post(BASE, { code: 'steps' })).status).toBe(303)
    const saveSteps = async (form: Record<string, string | string[]>) => {
      await admin.get(`${BASE}/steps`)
      return admin.post(`${BASE}/steps`, form)
    }
    const stepVersions = () =>
      withTenant(t.db.owner, tenant.id, (trx) =>
        trx('application_types').where({ code: 'steps' }).orderBy('version').pluck('version'),
      )
    const saved = await saveSteps({
      ...TYPE_FORM,
      'deadlines-contract-days': '10',
      'deadlines-contract-kind': 'working',
      'deadlines-works-days': '120',
      'deadlines-works-kind': 'calendar',
    })
    expect(saved.status).toBe(303)
    const stored = await withTenant(t.db.owner, tenant.id, (trx) =>
      trx('application_types').where({ code: 'steps' }).orderBy('version', 'desc').first('definition'),
    )
    expect(stored.definition.deadlines).toEqual({
      contract: { days: 10, kind: 'working' },
      works: { days: 120, kind: 'calendar' },
    })
    const page = await admin.get(`${BASE}/steps`)
    expect(page.text).toMatch(
      /id="deadlines-works-days"[^>]*value="120"|value="120"[^>]*id="deadlines-works-days"/,
    )
    const before = await stepVersions()
    const wrong = await saveSteps({ ...TYPE_FORM, workflow: 'short', 'deadlines-works-days': '30' })
    expect(wrong.status).toBe(422)
    expect(wrong.text).toContain('href="#deadlines-works-days"')
    expect(wrong.text).toContain('This workflow has no such step')
    const zero = await saveSteps({ ...TYPE_FORM, 'deadlines-acts-days': '0' })
    expect(zero.status).toBe(422)
    expect(zero.text).toContain('href="#deadlines-acts-days"')
    expect(zero.text).toContain('Enter a whole number of days from 1 to 730')
    expect(await stepVersions()).toEqual(before)
  })

  it('keeps whether a representative’s application needs the customer’s confirmation, and shows it ticked', async () => {
    await newType('installer')
    const stored = () =>
      withTenant(t.db.owner, tenant.id, (trx) =>
        trx('application_types')
          .where({ code: 'installer' })
          .orderBy('version', 'desc')
          .first<{ definition: { customerConfirms: boolean } }>('definition'),
      ).then((r) => r.definition.customerConfirms)
    expect(await stored()).toBe(false)
    expect((await save('installer', { ...TYPE_FORM, customerConfirms: 'yes' })).status).toBe(303)
    expect(await stored()).toBe(true)
    const page = await admin.get(`${BASE}/installer`)
    expect(page.text).toMatch(/name="customerConfirms"[^>]*value="yes"[^>]*checked/)
    expect((await save('installer', TYPE_FORM)).status).toBe(303)
    expect(await stored()).toBe(false)
  })

  it('keeps the version an application was sent under; an unchanged save makes nothing', async () => {
    await newType('versioned')
    const jan = await signedIn(t, tenant.host, 'jan@example.com', PASSWORD)
    const sent = await postApplication(
      jan,
      '/services/applications/new/versioned',
      { text: 'Connect me', f_capacity: '9', action: 'submit' },
      [['doc_plan', 'plan.pdf', PDF]],
    )
    expect(sent.status).toBe(303)
    const changed = await save('versioned', {
      ...TYPE_FORM,
      'fields-1-code': 'meter',
      'fields-1-kind': 'text',
      'fields-1-label': 'Meter number',
      'fields-1-required': 'yes',
    })
    expect(changed.status).toBe(303)
    expect(await versions('versioned')).toEqual([1, 2, 3])
    const again = await save('versioned', {
      ...TYPE_FORM,
      'fields-1-code': 'meter',
      'fields-1-kind': 'text',
      'fields-1-label': 'Meter number',
      'fields-1-required': 'yes',
    })
    expect(again.status).toBe(303)
    expect(await versions('versioned')).toEqual([1, 2, 3])
    expect((await admin.get(`${BASE}/versioned`)).text).toContain('Nothing changed: still version 3.')
    const row = await withTenant(t.db.owner, tenant.id, (trx) =>
      trx('applications as a')
        .join('application_types as t', 't.id', 'a.type_id')
        .where('a.type_code', 'versioned')
        .first<{ id: string; version: number }>('a.id', 't.version'),
    )
    expect(row.version).toBe(2)
    const page = await admin.get(`/admin/applications/${row.id}`)
    expect(page.text).toContain('type version 2')
    expect(page.text).not.toContain('Meter number')
  })

  it('keeps every version of a standard form: customers get the newest and may take an older one', async () => {
    await newType('forms')
    await admin.get('/admin/standard-forms')
    const bad = await multipart(admin, '/admin/standard-forms')
      .field('kind', 'application')
      .field('typeCode', 'forms')
      .attach('file', Buffer.from('plain text'), { filename: 'form.txt' })
    expect(bad.status).toBe(422)
    expect(bad.text).toContain('href="#title_en"')
    expect(bad.text).toContain('href="#file"')
    const first = await multipart(admin, '/admin/standard-forms')
      .field('kind', 'application')
      .field('typeCode', 'forms')
      .field('title_en', 'Connection application')
      .attach('file', PDF, { filename: 'v1.pdf' })
    expect(first.status).toBe(303)
    const family = await withTenant(t.db.owner, tenant.id, (trx) =>
      trx('standard_forms').first<{ family_id: string }>('family_id'),
    )
    await admin.get('/admin/standard-forms')
    const second = await multipart(admin, '/admin/standard-forms')
      .field('familyId', family.family_id)
      .field('kind', 'act')
      .field('typeCode', '')
      .attach('file', PDF, { filename: 'v2.pdf' })
    expect(second.status).toBe(303)
    const jan = await signedIn(t, tenant.host, 'jan@example.com', PASSWORD)
    const library = await jan.get('/services/applications/forms')
    expect(library.text).toContain('Connection application')
    expect(library.text).toContain('version 2')
    const links = [...library.text.matchAll(/href="(\/services\/applications\/forms\/[0-9a-f-]{36})"/g)].map(
      (m) => m[1]!,
    )
    expect(links).toHaveLength(2)
    const latest = await jan.raw.get(links[0]!).set('Host', tenant.host).buffer(true)
    expect(latest.headers['content-disposition']).toContain('v2.pdf')
    const older = await jan.raw.get(links[1]!).set('Host', tenant.host).buffer(true)
    expect(older.headers['content-disposition']).toContain('v1.pdf')
    // The new version kept its form's kind and type; the type's information page offers it.
    expect((await jan.get('/services/applications/new/forms')).text).toContain('Connection application')
  })
})
