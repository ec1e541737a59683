import type { Knex } from 'knex'

/**
 * Units used to become their customer's on the next read after the token was redeemed;
 * now the redemption itself hands them over. Units whose token was redeemed before that
 * and not read since are handed over here, once, with an audit row each (as "platform").
 */
export async function up(knex: Knex): Promise<void> {
  // Row-level security binds the owner too: one tenant at a time, as the runtime does.
  const tenants = await knex('tenants').select<{ id: string }[]>('id')
  for (const { id } of tenants) {
    await knex.raw(`select set_config('app.tenant_id', ?, true)`, [id])
    await knex.raw(`
    WITH claimed AS (
      UPDATE generating_units g SET customer_id = e.used_by
      FROM enrolments e
      WHERE g.customer_id IS NULL AND e.tenant_id = g.tenant_id AND e.id = g.enrolment_id
        AND e.used_by IS NOT NULL
      RETURNING g.tenant_id, g.id, g.code, g.enrolment_id, g.customer_id
    )
    INSERT INTO audit_log (tenant_id, actor_type, action, target_type, target_id, details)
    SELECT tenant_id, 'platform', 'generation.unit-claimed', 'generating-unit', id::text,
           jsonb_build_object('code', code, 'enrolmentId', enrolment_id, 'customerId', customer_id)
    FROM claimed`)
  }
  await knex.raw(`select set_config('app.tenant_id', '', true)`)
}

// Handing units to the customers who redeemed their tokens is not undone.
export async function down(): Promise<void> {}
