import type { Knex } from 'knex'

/**
 * A receipt is now made by a job after its submission commits; the job names the
 * submission it is for, so running it twice makes one receipt (receipts made in the
 * submitting transaction, before this, have none). It names a job's submission, not a
 * row: hence no foreign key.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('application_receipts', (t) => {
    t.uuid('submission')
  })
  await knex.raw(`
    CREATE UNIQUE INDEX application_receipts_submission_uq ON application_receipts (tenant_id, submission)
      WHERE submission IS NOT NULL`)
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('application_receipts', (t) => {
    t.dropColumn('submission')
  })
}
