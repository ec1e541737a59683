import { createHash } from 'node:crypto'
import type { Knex } from 'knex'
import { withTenant } from '../../db/tenant-scope.ts'
import { systemContext, type RequestContext } from '../../platform/context.ts'
import { NotFoundError } from '../../platform/errors.ts'
import { attachmentsOf } from '../../platform/files/attachments.ts'
import { formatBytes } from '../../platform/format.ts'
import type { MailWriting } from '../../platform/mail/links.ts'
import type { MailAttachment } from '../../platform/mail/outbox.ts'
import { renderPdf } from '../../platform/pdf.ts'
import { tenantText } from '../../platform/tenancy/texts.ts'
import { emailCustomer, type CustomerContact } from '../accounts/index.ts'
import { findTenantById } from '../../platform/tenancy/repo.ts'
import type { ApplicationType } from './definition.ts'
import { readableBy, typeById, type ApplicationRow, type Reader } from './repo.ts'
import type { ApplicationsDeps } from './service.ts'

const OWNER = 'application'

export interface ReceiptRow {
  id: string
  application_id: string
  submitted_at: Date
  sha256: string
}

/** An answer as the application's page shows it: a tick as "Yes", numbers in the reader's locale. */
function answer(
  { t, fmt, locale }: MailWriting,
  ctx: RequestContext,
  field: ApplicationType['definition']['fields'][number],
  value: string | number | boolean,
): string {
  const text = (texts: Parameters<typeof tenantText>[0]) =>
    tenantText(texts, locale, ctx.tenant.settings.defaultLocale)?.text ?? ''
  switch (field.kind) {
    case 'checkbox':
      return t('applications.form.yes')
    case 'capacity':
      return `${fmt.number(value as number)} ${t('applications.units.kW')}`
    case 'number':
      return `${fmt.number(value as number)}${field.unit ? ` ${field.unit}` : ''}`
    case 'date':
      return fmt.date(String(value))
    case 'select':
      return text(field.options?.find((o) => o.code === value)?.label ?? {})
    default:
      return String(value)
  }
}

/**
 * The receipt of one submission, inside the receipt job's transaction: what was submitted
 * (number, time, type, the customer, every answer, each file's name, size and SHA-256) as
 * a PDF in the email's language (`writing`), kept as it is emailed. None when the portal has no
 * PDF font (development without it; production refuses to start without one).
 */
export async function makeReceipt(
  deps: ApplicationsDeps,
  trx: Knex.Transaction,
  ctx: RequestContext,
  submission: { application: ApplicationRow; type: ApplicationType; submittedAt: Date; id: string },
  customer: CustomerContact,
  writing: MailWriting,
): Promise<MailAttachment | undefined> {
  const font = deps.config.pdfFont
  if (!font) return undefined
  const { application, type, submittedAt } = submission
  const { t, fmt, locale } = writing
  const files = await attachmentsOf(trx, { type: OWNER, id: application.id })
  const content = application.content
  const pdf = await renderPdf(
    {
      title: t('applications.receipt.title', { number: application.number }),
      subtitle: `${ctx.tenant.settings.name} · ${t('applications.receipt.submittedAt', { time: fmt.dateTime(submittedAt) })}`,
      language: locale,
      createdAt: submittedAt,
      sections: [
        {
          heading: t('applications.receipt.application'),
          rows: [
            [t('applications.receipt.number'), application.number ?? ''],
            [
              t('applications.receipt.type'),
              tenantText(type.definition.name, locale, ctx.tenant.settings.defaultLocale)?.text ?? type.code,
            ],
            [t('applications.receipt.applicant'), `${customer.name} <${customer.email}>`],
            [t('applications.receipt.time'), fmt.dateTime(submittedAt)],
          ],
        },
        {
          heading: t('applications.receipt.content'),
          rows: [
            [t('applications.fields.text'), content.text],
            ...type.definition.fields
              .filter((f) => content.values[f.code] !== undefined)
              .map(
                (f) =>
                  [
                    tenantText(f.label, locale, ctx.tenant.settings.defaultLocale)?.text ?? f.code,
                    answer(writing, ctx, f, content.values[f.code]!),
                  ] as const,
              ),
            ...(content.contact ? [[t('applications.fields.contact'), content.contact] as const] : []),
          ],
        },
        {
          heading: t('applications.receipt.files', { count: files.length }),
          rows: files.map(
            (f) => [f.originalName, `${formatBytes(f.size, locale)} · SHA-256 ${f.sha256}`] as const,
          ),
        },
      ],
      footer: t('applications.receipt.footer'),
    },
    font,
  )
  const sha256 = createHash('sha256').update(pdf).digest('hex')
  await trx('application_receipts').insert({
    tenant_id: ctx.tenant.id,
    application_id: application.id,
    submission: submission.id,
    submitted_at: submittedAt,
    locale,
    pdf,
    sha256,
  })
  return {
    filename: receiptName(application.number, submittedAt),
    contentType: 'application/pdf',
    content: pdf,
  }
}

/** What the receipt job is given: the submission, by its application and moment. */
export interface ReceiptJob {
  tenantId: string
  applicationId: string
  /** One submission of the application (it may be submitted again after a return). */
  submissionId: string
  submittedAt: string
}

/**
 * A submission's email with its receipt, once the submission has committed (the job is
 * queued in its transaction, so a submission rolled back sends nothing and one kept is
 * never without its email): the PDF is rendered, kept and attached in one transaction.
 * Run again (a retry after a crash between commit and acknowledgement), it finds its
 * receipt kept and sends nothing twice.
 */
export async function sendReceipt(deps: ApplicationsDeps, job: ReceiptJob): Promise<void> {
  const tenant = await findTenantById(deps.db, job.tenantId)
  if (!tenant) return
  const ctx = systemContext(tenant, 'application-receipt')
  const submittedAt = new Date(job.submittedAt)
  await withTenant(deps.db, tenant.id, async (trx) => {
    const application = await trx('applications')
      .where({ id: job.applicationId })
      .forUpdate()
      .first<ApplicationRow | undefined>()
    if (!application) return
    const kept = await trx('application_receipts')
      .where({ submission: job.submissionId })
      .first<{ id: string } | undefined>('id')
    if (kept) return
    const type = await typeById(trx, application.type_id)
    if (!type) return
    await emailCustomer(
      trx,
      deps,
      ctx,
      application.customer_id,
      'applications.mail.submitted',
      (m) => ({
        number: application.number,
        status: m.t('applications.statuses.submitted'),
        comment: m.t('applications.mail.noComment'),
        due: application.due_on ? m.fmt.date(application.due_on) : '',
        link: m.link(`/services/applications/${application.id}`),
      }),
      async (m, customer) => {
        const submission = { application, type, submittedAt, id: job.submissionId }
        const receipt = await makeReceipt(deps, trx, ctx, submission, customer, m)
        return receipt ? [receipt] : []
      },
    )
  })
}

const receiptName = (number: string | null, at: Date) =>
  `receipt-${(number ?? 'application').replace(/[^A-Za-z0-9-]+/g, '-')}-${at.toISOString().slice(0, 10)}.pdf`

/** An application's receipts, newest first (without their bytes). */
export function receiptsOf(trx: Knex.Transaction, applicationId: string): Promise<ReceiptRow[]> {
  return trx('application_receipts')
    .where({ application_id: applicationId })
    .orderBy('submitted_at', 'desc')
    .select<ReceiptRow[]>('id', 'application_id', 'submitted_at', 'sha256')
}

/**
 * One receipt to download: its owner's (a customer sees only their own applications'),
 * or any of the tenant's for staff.
 */
export async function receiptOf(
  deps: ApplicationsDeps,
  ctx: RequestContext,
  applicationId: string,
  receiptId: string,
  reader: Reader,
): Promise<{ filename: string; pdf: Buffer }> {
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const row = await trx('application_receipts as r')
      .join('applications as a', function () {
        this.on('a.id', 'r.application_id').andOn('a.tenant_id', 'r.tenant_id')
      })
      .where({ 'r.id': receiptId, 'r.application_id': applicationId })
      .modify(readableBy(reader, 'a'))
      .first<{ pdf: Buffer; number: string | null; submitted_at: Date } | undefined>(
        'r.pdf',
        'a.number',
        'r.submitted_at',
      )
    if (!row) throw new NotFoundError('receipt')
    return { filename: receiptName(row.number, row.submitted_at), pdf: row.pdf }
  })
}
