import type { Knex } from 'knex'

/**
 * Settings that belong to one module move under `settings.modules.<module>`: the
 * enrolment token's validity becomes the services module's. Each tenant is updated in
 * its own context, as row-level security on `tenants` demands even of the owner.
 */
export async function up(knex: Knex): Promise<void> {
  await moveEach(knex, (s) => {
    const modules = (s.modules ?? {}) as Record<string, Record<string, unknown>>
    const services = { ...modules.services }
    if (typeof s.enrolmentDays === 'number') services.enrolmentDays = s.enrolmentDays
    const rest = { ...s }
    delete rest.enrolmentDays
    return { ...rest, modules: { ...modules, services } }
  })
}

export async function down(knex: Knex): Promise<void> {
  await moveEach(knex, (s) => {
    const modules = (s.modules ?? {}) as Record<string, Record<string, unknown>>
    const days = modules.services?.enrolmentDays
    const rest = { ...s }
    delete rest.modules
    return typeof days === 'number' ? { ...rest, enrolmentDays: days } : rest
  })
}

async function moveEach(
  knex: Knex,
  change: (settings: Record<string, unknown>) => Record<string, unknown>,
): Promise<void> {
  const tenants = await knex('tenants').select<{ id: string; settings: Record<string, unknown> }[]>(
    'id',
    'settings',
  )
  for (const tenant of tenants) {
    await knex.transaction(async (trx) => {
      await trx.raw(`SELECT set_config('app.tenant_id', ?, true)`, [tenant.id])
      await trx('tenants')
        .where({ id: tenant.id })
        .update({ settings: change(tenant.settings) })
    })
  }
}
