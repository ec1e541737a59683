import type { Knex } from 'knex'

/**
 * Energy is `numeric` (ARCHITECTURE: money and energy): schedule values, drafts and
 * totals move off `double precision` without losing a value. Each float is converted
 * through its shortest exact text (what Postgres prints for it), and the migration stops
 * if any converted value reads back as a different float. Totals are recomputed from the
 * exact values (they were summed in floating point), and must agree with the old ones to
 * within a rounding error.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE schedule_versions ADD COLUMN values_exact numeric[], ADD COLUMN total_exact numeric;
    ALTER TABLE schedules ADD COLUMN draft_exact numeric[];
  `)
  // Row-level security binds the owner too: one tenant at a time, as the runtime does.
  const tenants = await knex('tenants').select<{ id: string }[]>('id')
  let lost = 0
  for (const { id } of tenants) {
    await knex.raw(`select set_config('app.tenant_id', ?, true)`, [id])
    await knex.raw(`
      UPDATE schedule_versions SET values_exact = "values"::text[]::numeric[];
      UPDATE schedule_versions SET total_exact = (SELECT coalesce(sum(x), 0) FROM unnest(values_exact) AS x);
      UPDATE schedules SET draft_exact = draft::text[]::numeric[] WHERE draft IS NOT NULL;
    `)
    const { rows } = await knex.raw<{ rows: { n: string }[] }>(`
      SELECT (SELECT count(*) FROM schedule_versions
               WHERE values_exact::float8[] IS DISTINCT FROM "values"
                  OR abs(total_exact::float8 - total) > 1e-6 * greatest(1, abs(total)))
           + (SELECT count(*) FROM schedules WHERE draft_exact::float8[] IS DISTINCT FROM draft) AS n`)
    lost += Number(rows[0]!.n)
  }
  await knex.raw(`select set_config('app.tenant_id', '', true)`)
  if (lost > 0) throw new Error(`${lost} schedule rows would change value as numeric: nothing was migrated`)
  await knex.raw(`
    ALTER TABLE schedule_versions DROP COLUMN "values", DROP COLUMN total;
    ALTER TABLE schedule_versions RENAME COLUMN values_exact TO "values";
    ALTER TABLE schedule_versions RENAME COLUMN total_exact TO total;
    ALTER TABLE schedule_versions ALTER COLUMN "values" SET NOT NULL, ALTER COLUMN total SET NOT NULL;
    ALTER TABLE schedules DROP COLUMN draft;
    ALTER TABLE schedules RENAME COLUMN draft_exact TO draft;
  `)
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE schedule_versions ALTER COLUMN "values" TYPE double precision[] USING "values"::float8[],
      ALTER COLUMN total TYPE double precision USING total::float8;
    ALTER TABLE schedules ALTER COLUMN draft TYPE double precision[] USING draft::float8[];
  `)
}
