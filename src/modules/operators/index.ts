import type { Db } from '../../db/knex.ts'
import { withTenant } from '../../db/tenant-scope.ts'
import type { Deps } from '../../deps.ts'
import { Router } from 'express'
import type { KabinetModule } from '../../module.ts'
import { operatorAdminRoutes } from './admin.routes.ts'
import { seedOperatorsDemo } from './demo.ts'
import { operatorLoginRoutes } from './login.routes.ts'
import { createOperatorServices } from './services.ts'

export { requireOperator, staffOnlyByDefault } from './auth.ts'

/** The staff area: sign-in with TOTP, the admin home and the tenant's staff. */
export const operatorsModule: KabinetModule = {
  name: 'operators',
  owns: { tables: ['operators', 'operator_tokens', 'operator_recovery_codes'], views: ['staff_directory'] },
  adminNav: [{ href: '/admin/operators', label: 'admin.operators.title', adminOnly: true }],
  demo: seedOperatorsDemo,
  routes(deps) {
    const operators = createOperatorServices(deps)
    return Router().use(operatorLoginRoutes(deps, operators), operatorAdminRoutes(deps, operators))
  },
}

/** An active operator's email (inside the caller's tenant scope); none for a disabled or unknown one. */
export async function activeOperatorEmail(db: Db, id: string): Promise<string | undefined> {
  const row = await db('operators')
    .where({ id })
    .whereNull('disabled_at')
    .first<{ email: string } | undefined>('email')
  return row?.email
}

export type StaffMember = { id: string; name: string; email: string }

/**
 * The tenant's active staff, by name: whom work can be assigned to (the queue's filter, an
 * application's choice). Kept per process and forgotten when a name, an email or a
 * disabling changes (the `operators_changed` trigger). Shown, never trusted: an assignment
 * checks its operator when it is written.
 */
export function assignableOperators(
  deps: Pick<Deps, 'db' | 'reference'>,
  tenantId: string,
): Promise<StaffMember[]> {
  return deps.reference.get(tenantId, 'operators', () =>
    withTenant(deps.db, tenantId, (trx) =>
      trx('operators')
        .whereNull('disabled_at')
        .orderBy('name')
        .orderBy('id')
        .select<StaffMember[]>('id', 'name', 'email'),
    ),
  )
}
