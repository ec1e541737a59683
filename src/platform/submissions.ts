import { randomUUID } from 'node:crypto'
import type { Knex } from 'knex'
import { QUEUES } from '../db/jobs.ts'

/** The hidden field every create form carries. */
export const SUBMISSION_FIELD = '_submission'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** A fresh one-time token for a form being shown. */
export const newSubmissionId = (): string => randomUUID()

/** The token a posted form carried, if it is one of ours. */
export function submissionOf(body: unknown): string | undefined {
  const value = (body as Record<string, unknown> | undefined)?.[SUBMISSION_FIELD]
  return typeof value === 'string' && UUID.test(value) ? value : undefined
}

/**
 * Claims a form's one-time token inside the business transaction. False means this very
 * form was already acted on: the caller creates nothing and answers as it did the first
 * time. A concurrent twin waits on the key until the first commits (then false) or rolls
 * back (then it goes ahead). A form without a token is not deduplicated.
 */
export async function claimSubmission(
  trx: Knex.Transaction,
  tenantId: string,
  id: string | undefined,
  form: string,
): Promise<boolean> {
  if (!id) return true
  const claimed = await trx('form_submissions')
    .insert({ tenant_id: tenantId, id, form })
    .onConflict(['tenant_id', 'id'])
    .ignore()
    .returning('id')
  return claimed.length > 0
}

/** Tokens are only needed while someone might still resend the form: a day is plenty. */
export const SUBMISSION_SWEEP = {
  queue: QUEUES.forgetSubmissions,
  cron: '29 * * * *',
  table: 'form_submissions',
  column: 'created_at',
  keepMs: 86_400_000,
}
