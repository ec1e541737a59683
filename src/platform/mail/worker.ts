import type { Knex } from 'knex'
import type { Transporter } from 'nodemailer'
import type { Logger } from 'pino'
import type { PgBoss } from 'pg-boss'
import { withTenant } from '../../db/tenant-scope.ts'
import type { Clock } from '../clock.ts'
import { QUEUES } from '../../db/jobs.ts'
import type { MailJob } from './outbox.ts'

interface OutboxRow {
  id: string
  to_address: string
  subject: string
  text_body: string
  html_body: string
  sent_at: Date | null
}

export interface MailDelivery {
  /** undefined: development, no SMTP server; the message stays in the outbox for the dev mailbox. */
  transport: Transporter | undefined
  from: string
  messageIdDomain: string
}

/**
 * Sends one outbox message. The row is locked while sending, so two workers never send
 * it twice at once; a retry after a crash between SMTP and commit resends with the same
 * Message-ID, so receiving systems can recognise the duplicate.
 */
export async function deliver(db: Knex, delivery: MailDelivery, clock: Clock, job: MailJob): Promise<void> {
  try {
    await withTenant(db, job.tenantId, async (trx) => {
      const row = await trx<OutboxRow>('outbox').where({ id: job.outboxId }).forUpdate().first()
      if (!row || row.sent_at) return
      if (delivery.transport) {
        const attachments = await trx('outbox_attachments')
          .where({ outbox_id: row.id })
          .orderBy('filename')
          .select<{ filename: string; content_type: string; content: Buffer }[]>(
            'filename',
            'content_type',
            'content',
          )
        await delivery.transport.sendMail({
          attachments: attachments.map((a) => ({
            filename: a.filename,
            contentType: a.content_type,
            content: a.content,
          })),
          from: delivery.from,
          to: row.to_address,
          subject: row.subject,
          text: row.text_body,
          html: row.html_body,
          messageId: `<${row.id}@${delivery.messageIdDomain}>`,
        })
      }
      await trx('outbox')
        .where({ id: row.id })
        .update({
          sent_at: clock.now(),
          attempts: trx.raw('attempts + 1'),
          last_error: null,
          delivered_via: delivery.transport ? 'smtp' : 'dev-mailbox',
        })
    })
  } catch (err) {
    await withTenant(db, job.tenantId, (trx) =>
      trx('outbox')
        .where({ id: job.outboxId })
        .update({
          attempts: trx.raw('attempts + 1'),
          last_error: String((err as Error).message).slice(0, 500),
        }),
    )
    throw err
  }
}

export async function startMailWorker(
  boss: PgBoss,
  db: Knex,
  delivery: MailDelivery,
  clock: Clock,
  logger: Logger,
  /** How often an idle worker looks for mail; tests use pg-boss's minimum. */
  pollingIntervalSeconds = 1,
): Promise<void> {
  await boss.work<MailJob>(QUEUES.mailSend, { pollingIntervalSeconds, batchSize: 1 }, async (jobs) => {
    for (const job of jobs) {
      try {
        await deliver(db, delivery, clock, job.data)
        logger.info({ outboxId: job.data.outboxId, tenantId: job.data.tenantId }, 'mail delivered')
      } catch (err) {
        logger.warn({ err, outboxId: job.data.outboxId }, 'mail delivery failed; pg-boss will retry')
        throw err
      }
    }
  })
}
