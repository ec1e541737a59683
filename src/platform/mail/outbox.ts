import type { Knex } from 'knex'
import type { PgBoss } from 'pg-boss'
import type { Tenant } from '../tenancy/settings.ts'
import type { Locale } from '../i18n/locales.ts'
import { QUEUES } from '../../db/jobs.ts'
import { sendJob } from '../jobs.ts'
import type { MailRenderer } from './render.ts'

export interface MailJob {
  tenantId: string
  outboxId: string
}

export interface MailAttachment {
  filename: string
  contentType: string
  content: Buffer
}

export interface OutgoingMail {
  to: string
  template: string
  locale: Locale
  params: Record<string, unknown>
  /** Kept with the message, so a retry sends the same bytes. */
  attachments?: readonly MailAttachment[]
}

export interface Outbox {
  /** Queues a message inside the caller's transaction: it is sent only if that commits. */
  enqueue(trx: Knex.Transaction, tenant: Tenant, mail: OutgoingMail): Promise<string>
}

export function createOutbox(boss: PgBoss, render: MailRenderer): Outbox {
  return {
    async enqueue(trx, tenant, mail) {
      const rendered = render(tenant, mail.locale, mail.template, mail.params)
      const [row] = await trx('outbox')
        .insert({
          tenant_id: tenant.id,
          template: mail.template,
          to_address: mail.to,
          locale: mail.locale,
          subject: rendered.subject,
          text_body: rendered.text,
          html_body: rendered.html,
        })
        .returning<{ id: string }[]>('id')
      if (!row) throw new Error('outbox insert returned nothing')
      for (const a of mail.attachments ?? [])
        await trx('outbox_attachments').insert({
          tenant_id: tenant.id,
          outbox_id: row.id,
          filename: a.filename,
          content_type: a.contentType,
          content: a.content,
        })
      const job: MailJob = { tenantId: tenant.id, outboxId: row.id }
      await sendJob(boss, trx, QUEUES.mailSend, job, { singletonKey: row.id })
      return row.id
    },
  }
}
