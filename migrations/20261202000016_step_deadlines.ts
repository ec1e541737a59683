import type { Knex } from 'knex'

/**
 * Deadlines belong to steps: `due_on` is the current step's, and `paused_days` keeps the
 * review's working days left while an application is returned to its customer. Every
 * application used to keep its review deadline for good, so those past the review (and
 * the returned ones) were flagged overdue for months: their deadline is cleared here (no
 * type had later steps' deadlines yet; a returned one resumes its full review time).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('applications', (t) => {
    t.integer('paused_days')
  })
  // Row-level security binds the owner too: one tenant at a time, as the runtime does.
  const tenants = await knex('tenants').select<{ id: string }[]>('id')
  for (const { id } of tenants) {
    await knex.raw(`select set_config('app.tenant_id', ?, true)`, [id])
    await knex('applications').whereNotIn('status', ['submitted', 'inProgress']).update({ due_on: null })
  }
  await knex.raw(`select set_config('app.tenant_id', '', true)`)
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('applications', (t) => {
    t.dropColumn('paused_days')
  })
}
