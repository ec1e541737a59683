import type { Knex } from 'knex'

/**
 * An operator rejecting a day's version may comment on single intervals: kept with the
 * version ({"<position>": "text"}), written once with the decision, never edited.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE schedule_versions ADD COLUMN interval_comments jsonb,
      ADD CONSTRAINT schedule_versions_interval_comments_object
        CHECK (interval_comments IS NULL OR jsonb_typeof(interval_comments) = 'object')`)
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE schedule_versions DROP COLUMN interval_comments')
}
