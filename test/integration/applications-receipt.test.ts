import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sendReceipt } from '../../src/modules/applications/receipt.service.ts'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { registerConfirmed, signedIn } from '../helpers/accounts.ts'
import { PDF, TP15, moveAs, postApplication, seedType } from '../helpers/applications.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { createTenant } from '../helpers/factories.ts'
import { createOperator, staffSignIns } from '../helpers/operators.ts'
import { pdfPages, pdfText } from '../helpers/pdf.ts'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.ts'

const PASSWORD = 'słoneczny poranek 12'
const TEXT = 'Подключите мой дом. 湖北清江. Żółw i gęś.'

/** Issue 17 item 20: a PDF receipt of what was submitted, kept, downloadable and attached to the email. */
describe('applications: the receipt of a submission', () => {
  let smtp: SmtpSink
  let t: TestApp
  let tenant: Awaited<ReturnType<typeof createTenant>>
  let clerkEmail: string
  const signIn = staffSignIns()
  const customer = (email: string) => signedIn(t, tenant.host, email, PASSWORD)
  const receipts = (applicationId: string) =>
    withTenant(t.db.owner, tenant.id, (trx) =>
      trx('application_receipts').where({ application_id: applicationId }).orderBy('submitted_at').select<
        {
          id: string
          sha256: string
          pdf: Buffer
          locale: string
          submitted_at: Date
          submission: string
        }[]
      >('id', 'sha256', 'pdf', 'locale', 'submitted_at', 'submission'),
    )
  const submittedMail = (email: string, n: number) =>
    smtp.waitFor(
      (m) =>
        m.envelopeTo.includes(email) &&
        (m.attachments ?? []).some((a) => a.mimeType === 'application/pdf') &&
        smtp.messages
          .filter((x) => x.envelopeTo.includes(email) && (x.attachments ?? []).length)
          .indexOf(m) ===
          n - 1,
    )

  beforeAll(async () => {
    smtp = await startSmtpSink()
    t = await createTestApp({ smtpUrl: smtp.url, mailWorker: true })
    tenant = await createTenant(t.db.owner, { defaultLocale: 'ru', timeZone: 'Europe/Moscow' })
    await seedType(t.db.owner, tenant.id, 'tp15', TP15)
    await registerConfirmed(t, smtp, tenant.host, 'ivan@example.com', PASSWORD)
    await registerConfirmed(t, smtp, tenant.host, 'other@example.com', PASSWORD)
    clerkEmail = await createOperator(t, tenant.id, 'operator')
  })
  afterAll(async () => {
    await t.close()
    await smtp.close()
  })

  it('attaches to the confirmation a PDF of the number, time, content and files with their SHA-256, kept as sent', async () => {
    const ivan = await customer('ivan@example.com')
    const sent = await postApplication(
      ivan,
      '/services/applications/new/tp15',
      { text: TEXT, f_capacity: '7,5', f_address: 'ул. Ленина, 1', action: 'submit' },
      [['doc_plan', 'план участка.pdf', PDF]],
    )
    expect(sent.status).toBe(303)
    const id = /\/services\/applications\/([0-9a-f-]{36})/.exec(sent.headers.location!)![1]!
    const confirmation = await ivan.get(sent.headers.location!)
    const number = /data-testid="number">([^<]+)</.exec(confirmation.text)![1]!

    const mail = await submittedMail('ivan@example.com', 1)
    const attachment = mail.attachments.find((a) => a.mimeType === 'application/pdf')!
    const bytes = Buffer.from(attachment.content as ArrayBuffer)
    expect(attachment.filename).toBe(`receipt-${number}-2026-11-21.pdf`)
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-')
    expect(pdfPages(bytes)).toBe(1)
    const text = pdfText(bytes)
    // In the customer's language (Russian), the tenant's clock (Moscow: 12:00 on 21 November).
    expect(text).toContain(`Расписка в подаче заявки ${number}`)
    expect(text).toContain('ТП до 15 кВт')
    expect(text).toContain('ivan@example.com')
    expect(text).toMatch(/21 нояб\. 2026 г\., 12:00/)
    expect(text).toContain(TEXT)
    expect(text).toContain('7,5 кВт')
    expect(text).toContain('ул. Ленина, 1')
    expect(text).toContain('план участка.pdf')
    expect(text.replace(/\n/g, '')).toContain(createHash('sha256').update(PDF).digest('hex'))
    expect(text).not.toContain('\uFFFD')

    // Kept exactly as sent, and downloadable by its owner and by staff — nobody else.
    const [stored] = await receipts(id)
    expect(stored!.pdf.equals(bytes)).toBe(true)
    expect(stored!.sha256).toBe(createHash('sha256').update(bytes).digest('hex'))
    const link = `/services/applications/${id}/receipts/${stored!.id}`
    // The confirmation page offers it once it is made (it is made after the submission commits).
    expect((await ivan.get(sent.headers.location!)).text).toContain(
      `href="${link}" download data-testid="receipt"`,
    )
    expect((await ivan.get(`/services/applications/${id}`)).text).toContain(`href="${link}" download`)
    const download = await ivan.raw.get(link).set('Host', tenant.host).buffer(true)
    expect(download.status).toBe(200)
    expect(download.headers['content-type']).toBe('application/pdf')
    expect(download.headers['content-disposition']).toContain(
      `attachment; filename="receipt-${number}-2026-11-21.pdf"`,
    )
    expect(Buffer.from(download.body as Buffer).equals(bytes)).toBe(true)
    const staff = await signIn(t, tenant.host, clerkEmail)
    const staffCopy = await staff.raw
      .get(`/admin/applications/${id}/receipts/${stored!.id}`)
      .set('Host', tenant.host)
      .buffer(true)
    expect(Buffer.from(staffCopy.body as Buffer).equals(bytes)).toBe(true)
    const other = await customer('other@example.com')
    expect((await other.get(link)).status).toBe(404)
    // Another receipt id (its last digit changed) is not found.
    const otherId = stored!.id.replace(/.$/, (c) => (c === '0' ? '1' : '0'))
    expect((await ivan.get(`/services/applications/${id}/receipts/${otherId}`)).status).toBe(404)

    // Returned and sent again: a second receipt of the new content; the first stays as it was.
    expect((await moveAs(staff, id, { to: 'inProgress', expected: 'submitted' })).status).toBe(303)
    expect(
      (await moveAs(staff, id, { to: 'returned', expected: 'inProgress', comment: 'Add the plot number' }))
        .status,
    ).toBe(303)
    const again = await postApplication(
      ivan,
      `/services/applications/${id}/edit`,
      {
        text: 'Участок 12',
        f_capacity: '7,5',
        f_address: 'ул. Ленина, 1',
        action: 'submit',
        expected: 'returned',
      },
      [],
      `/services/applications/${id}/edit`,
    )
    expect(again.status).toBe(303)
    const second = await submittedMail('ivan@example.com', 2)
    const secondBytes = Buffer.from(
      second.attachments.find((a) => a.mimeType === 'application/pdf')!.content as ArrayBuffer,
    )
    expect(pdfText(secondBytes)).toContain('Участок 12')
    const both = await receipts(id)
    expect(both).toHaveLength(2)
    expect(both[0]!.pdf.equals(bytes)).toBe(true)
    expect(both[1]!.pdf.equals(secondBytes)).toBe(true)
    expect(
      (await ivan.get(`/services/applications/${id}`)).text.match(/\/receipts\/[0-9a-f-]{36}" download/g),
    ).toHaveLength(2)
  })

  it('makes a submission’s receipt and email once, however often its job runs', async () => {
    const olga = await customer('other@example.com')
    const sent = await postApplication(
      olga,
      '/services/applications/new/tp15',
      { text: 'Once', f_capacity: '3', f_address: 'ул. Мира, 2', action: 'submit' },
      [['doc_plan', 'plan.pdf', PDF]],
    )
    const id = /\/services\/applications\/([0-9a-f-]{36})/.exec(sent.headers.location!)![1]!
    await smtp.waitFor(
      (m) =>
        m.envelopeTo.includes('other@example.com') &&
        pdfText(
          Buffer.from(
            ((m.attachments ?? []).find((a) => a.mimeType === 'application/pdf')?.content as ArrayBuffer) ??
              [],
          ),
        ).includes('Once'),
    )
    const [stored] = await receipts(id)
    const mails = smtp.messages.length
    // The job again, as a retry after a crash between its commit and its acknowledgement.
    await sendReceipt(t.deps, {
      tenantId: tenant.id,
      applicationId: id,
      submissionId: stored!.submission,
      submittedAt: stored!.submitted_at.toISOString(),
    })
    await new Promise((r) => setTimeout(r, 1_500))
    expect(await receipts(id)).toHaveLength(1)
    expect(smtp.messages.length).toBe(mails)
  })
})
