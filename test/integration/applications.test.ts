import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { registerConfirmed, signedIn } from '../helpers/accounts.ts'
import {
  PDF,
  READING,
  TP15,
  multipart,
  postApplication,
  seedType,
  submitAs,
} from '../helpers/applications.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { createTenant } from '../helpers/factories.ts'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.ts'

const PASSWORD = 'słoneczny poranek 12'
const NEW = '/services/applications/new'
const VALID = {
  text: 'Please connect my house',
  f_capacity: '12,5',
  f_address: 'ul. Polna 1, Gdańsk',
  action: 'submit',
}

describe('applications: submitting, drafts, numbers and review dates', () => {
  let smtp: SmtpSink
  let t: TestApp
  let worlds = 0
  /**
   * Each test its own tenant (numbers start at 000001 in each, gapless) with the three
   * types and two customers, so no test depends on what another sent.
   */
  const world = async () => {
    const tenant = await createTenant(t.db.owner)
    await seedType(t.db.owner, tenant.id, 'tp15', TP15)
    await seedType(t.db.owner, tenant.id, 'reading', READING)
    await seedType(t.db.owner, tenant.id, 'tpfirms', {
      ...TP15,
      name: { en: 'Connection for companies' },
      prefix: 'TF',
      audience: 'legal',
    })
    worlds += 1
    const annaEmail = `anna${worlds}@example.com`
    const benEmail = `ben${worlds}@example.com`
    await registerConfirmed(t, smtp, tenant.host, annaEmail, PASSWORD)
    await registerConfirmed(t, smtp, tenant.host, benEmail, PASSWORD)
    return {
      tenant,
      annaEmail,
      anna: () => signedIn(t, tenant.host, annaEmail, PASSWORD),
      ben: () => signedIn(t, tenant.host, benEmail, PASSWORD),
      rows: () =>
        withTenant(t.db.owner, tenant.id, (trx) =>
          trx('applications').orderBy('number').select<
            {
              id: string
              number: string | null
              status: string
              due_on: string
              content: { text: string; values: object }
            }[]
          >('id', 'number', 'status', 'due_on', 'content'),
        ),
      fileCount: async () =>
        Number((await withTenant(t.db.owner, tenant.id, (trx) => trx('files').count('* as n').first()))!.n),
    }
  }

  beforeAll(async () => {
    smtp = await startSmtpSink()
    t = await createTestApp({ smtpUrl: smtp.url, mailWorker: true })
  })
  afterAll(async () => {
    await t.close()
    await smtp.close()
  })

  it('shows the types, a type’s information page, and its form', async () => {
    const w = await world()
    const anna = await w.anna()
    const types = await anna.get(NEW)
    expect(types.status).toBe(200)
    expect(types.text).toContain('Connection up to 15 kW')
    const info = await anna.get(`${NEW}/tp15`)
    expect(info.text).toContain('Timeline: four months.')
    expect(info.text).toContain('within 10 business days')
    const form = await anna.get(`${NEW}/tp15/form`)
    expect(form.text).toContain('id="f_capacity"')
    expect(form.text).toContain('id="doc_plan"')
    expect((await anna.get(`${NEW}/nosuch`)).status).toBe(404)
  })

  it('offers a type limited to legal entities to them only; an account without a category sees it too', async () => {
    const w = await world()
    const tenant = w.tenant
    await registerConfirmed(t, smtp, tenant.host, 'firm@example.com', PASSWORD)
    const setCategory = (email: string, category: string | null) =>
      withTenant(t.db.owner, tenant.id, (trx) => trx('customers').where({ email }).update({ category }))
    const before = await withTenant(t.db.owner, tenant.id, (trx) =>
      trx('customers').where({ email: w.annaEmail }).first<{ category: string | null }>('category'),
    )
    await setCategory('firm@example.com', 'legal')
    await setCategory(w.annaEmail, 'individual')
    try {
      const firm = await signedIn(t, tenant.host, 'firm@example.com', PASSWORD)
      expect((await firm.get(NEW)).text).toContain('Connection for companies')
      expect((await firm.get(`${NEW}/tpfirms/form`)).status).toBe(200)
      const anna = await w.anna()
      const offered = await anna.get(NEW)
      expect(offered.text).toContain('Connection up to 15 kW')
      expect(offered.text).not.toContain('Connection for companies')
      expect((await anna.get(`${NEW}/tpfirms`)).status).toBe(404)
      expect((await anna.get(`${NEW}/tpfirms/form`)).status).toBe(404)
      await setCategory(w.annaEmail, null)
      const uncategorised = await w.anna()
      expect((await uncategorised.get(NEW)).text).toContain('Connection for companies')
    } finally {
      await setCategory(w.annaEmail, before.category)
    }
  })

  it('refuses a bad form with every error beside its field, in page order, and stores nothing', async () => {
    const w = await world()
    const anna = await w.anna()
    const res = await postApplication(
      anna,
      `${NEW}/tp15`,
      { text: '', f_capacity: '20', f_address: '', action: 'submit' },
      [['doc_plan', 'plan.txt', Buffer.from('just text, not a scan')]],
    )
    expect(res.status).toBe(422)
    const summary = res.text.slice(
      res.text.indexOf('govuk-error-summary'),
      res.text.indexOf('</ul>', res.text.indexOf('govuk-error-summary')),
    )
    const order = ['#text', '#f_capacity', '#f_address', '#doc_plan'].map((id) =>
      summary.indexOf(`href="${id}"`),
    )
    expect(order.every((at) => at > 0)).toBe(true)
    expect([...order].sort((a, b) => a - b)).toEqual(order)
    expect(res.text).toContain('Enter a number in the range shown')
    expect(res.text).toContain('PDF, JPEG, PNG')
    expect(await w.rows()).toEqual([])
    expect(await w.fileCount()).toBe(0)
  })

  it('requires the type’s required document when sending', async () => {
    const w = await world()
    const anna = await w.anna()
    const res = await postApplication(anna, `${NEW}/tp15`, VALID)
    expect(res.status).toBe(422)
    expect(res.text).toContain('Attach this document')
    expect(await w.rows()).toEqual([])
  })

  it('sends an application: number, review date from the calendar, the same by email; a resent form makes one', async () => {
    const w = await world()
    const anna = await w.anna()
    const page = await anna.get(`${NEW}/tp15/form`)
    const submission = /name="_submission" value="([^"]+)"/.exec(page.text)![1]!
    const post = () =>
      multipart(anna, `${NEW}/tp15`)
        .field('_submission', submission)
        .field('text', VALID.text)
        .field('f_capacity', VALID.f_capacity)
        .field('f_address', VALID.f_address)
        .field('action', 'submit')
        .attach('doc_plan', PDF, { filename: 'plan.pdf' })
    const [first, second] = await Promise.all([post(), post()])
    expect(first.status).toBe(303)
    expect(second.headers.location).toBe(first.headers.location)
    const stored = await w.rows()
    expect(stored).toHaveLength(1)
    // Saturday 21 Nov 2026 in Warsaw + 10 business days (no Polish holiday between): Friday 4 Dec.
    expect(stored[0]).toMatchObject({ number: 'TP-2026-000001', status: 'submitted', due_on: '2026-12-04' })
    expect(stored[0]!.content.values).toEqual({ capacity: 12.5, address: 'ul. Polna 1, Gdańsk' })
    const sent = await anna.get(first.headers.location!)
    expect(sent.text).toContain('TP-2026-000001')
    expect(sent.text).toContain('4 December 2026')
    const mail = await smtp.waitFor(
      (m) => m.envelopeTo.includes(w.annaEmail) && /TP-2026-000001/.test(m.subject ?? ''),
    )
    expect(mail.text).toContain('4 December 2026')
    const list = await anna.get('/services/applications')
    expect(list.text).toContain('TP-2026-000001')
    expect(list.text).toContain('Submitted')
  })

  it('numbers twenty parallel submissions without a gap or a duplicate', async () => {
    const w = await world()
    const anna = await w.anna()
    // Twenty forms opened one after another (each page refreshes the session's CSRF token), sent at once.
    const forms = []
    for (let i = 0; i < 20; i++) forms.push(await anna.get(`${NEW}/reading/form`))
    const results = await Promise.all(
      forms.map((page) =>
        multipart(anna, `${NEW}/reading`)
          .field('_submission', /name="_submission" value="([^"]+)"/.exec(page.text)![1]!)
          .field('text', 'Please read my meter')
          .field('action', 'submit'),
      ),
    )
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(303))
    const numbers = (await w.rows()).map((r) => r.number).filter((n) => n?.startsWith('SP-'))
    expect(numbers).toEqual(Array.from({ length: 20 }, (_, i) => `SP-2026-${String(i + 1).padStart(6, '0')}`))
  })

  it('saves a half-filled draft, lists it first, and sends it later with its file', async () => {
    const w = await world()
    const anna = await w.anna()
    expect((await postApplication(anna, `${NEW}/tp15`, VALID, [['doc_plan', 'plan.pdf', PDF]])).status).toBe(
      303,
    )
    const draft = await postApplication(
      anna,
      `${NEW}/tp15`,
      { text: 'Half done', f_capacity: '', f_address: '', action: 'draft' },
      [['doc_plan', 'plan.pdf', PDF]],
    )
    expect(draft.status).toBe(303)
    const edit = draft.headers.location!
    expect(edit).toMatch(/\/edit$/)
    const list = await anna.get('/services/applications')
    expect(list.text.indexOf('Draft')).toBeLessThan(list.text.indexOf('TP-2026-000001'))
    const page = await anna.get(edit)
    expect(page.text).toContain('Half done')
    expect(page.text).toContain('Already attached: plan.pdf')
    // The plan attached with the draft counts: no new file needed.
    const sent = await postApplication(anna, edit, { ...VALID, expected: 'draft' }, [], edit)
    expect(sent.status).toBe(303)
    const number = (await w.rows()).find(
      (r) => r.content.text === VALID.text && r.number !== 'TP-2026-000001',
    )?.number
    expect(number).toBe('TP-2026-000002')
  })

  it('lets the customer withdraw while Submitted, once; a stale second form gets a conflict', async () => {
    const w = await world()
    const anna = await w.anna()
    await submitAs(anna, 'reading', false)
    const target = (await w.rows()).find((r) => r.number === 'SP-2026-000001')!
    const page = await anna.get(`/services/applications/${target.id}`)
    expect(page.text).toContain('Withdraw the application')
    const first = await anna.post(`/services/applications/${target.id}/withdraw`, { expected: 'submitted' })
    expect(first.status).toBe(303)
    const again = await anna.post(`/services/applications/${target.id}/withdraw`, { expected: 'submitted' })
    expect(again.status).toBe(409)
    expect((await w.rows()).find((r) => r.id === target.id)?.status).toBe('withdrawn')
  })

  it('keeps one customer’s applications from another', async () => {
    const w = await world()
    await submitAs(await w.anna(), 'tp15', true)
    const ben = await w.ben()
    const annas = (await w.rows())[0]!
    expect((await ben.get(`/services/applications/${annas.id}`)).status).toBe(404)
    expect(
      (await ben.post(`/services/applications/${annas.id}/withdraw`, { expected: 'submitted' })).status,
    ).toBe(404)
    expect((await ben.get('/services/applications')).text).not.toContain('TP-2026-000001')
  })

  it('pages a long list 25 at a time with its total, the customer’s turn first', async () => {
    const w = await world()
    await withTenant(t.db.owner, w.tenant.id, (trx) =>
      trx.raw(
        `INSERT INTO applications (tenant_id, customer_id, type_id, type_code, number, status, content, created_at, submitted_at)
         SELECT c.tenant_id, c.id, t.id, 'tp15', 'TP-2026-' || lpad(g::text, 6, '0'),
                CASE WHEN g = 3 THEN 'returned' ELSE 'submitted' END, '{"text":"x","contact":"","values":{}}',
                now() - g * interval '1 hour', now() - g * interval '1 hour'
         FROM customers c, application_types t, generate_series(1, 27) g
         WHERE c.email = ? AND t.code = 'tp15'`,
        [w.annaEmail],
      ),
    )
    const anna = await w.anna()
    const first = await anna.get('/services/applications')
    expect(first.text).toContain('27 applications')
    const numbers = (html: string) => [...html.matchAll(/>(TP-2026-\d{6})</g)].map((m) => m[1])
    // The returned one (the customer's move) first, then newest first.
    expect(numbers(first.text).slice(0, 3)).toEqual(['TP-2026-000003', 'TP-2026-000001', 'TP-2026-000002'])
    expect(numbers(first.text)).toHaveLength(25)
    const second = await anna.get('/services/applications?page=2')
    expect(second.text).toContain('27 applications')
    expect(numbers(second.text)).toEqual(['TP-2026-000026', 'TP-2026-000027'])
    // Past the end: the last page.
    expect(numbers((await anna.get('/services/applications?page=9')).text)).toEqual([
      'TP-2026-000026',
      'TP-2026-000027',
    ])
    const returned = await anna.get('/services/applications?status=returned')
    expect(returned.text).toContain('1 application<')
    expect(numbers(returned.text)).toEqual(['TP-2026-000003'])
  })
})
