import type { Db } from '../../db/knex.ts'
import { announceSessionsEnded } from '../../platform/live.ts'
import { rowsChanged, type RowsHeard } from '../../platform/tenancy/reference-cache.ts'

export interface OperatorRow {
  tenant_id: string
  id: string
  email: string
  name: string
  role: 'admin' | 'operator'
  password_hash: string | null
  disabled_at: Date | null
  totp_secret: string | null
  totp_enabled_at: Date | null
  totp_last_step: string | null
  session_epoch: number
  created_at: Date
}

export async function findOperator(db: Db, id: string): Promise<OperatorRow | undefined> {
  return db('operators').where({ id }).first<OperatorRow | undefined>()
}

export async function findOperatorByEmail(db: Db, email: string): Promise<OperatorRow | undefined> {
  return db('operators').whereRaw('lower(email) = lower(?)', [email]).first<OperatorRow | undefined>()
}

/** The tenant's staff by name: a query to page through or export. */
export function operatorQuery(db: Db) {
  return db('operators').orderBy('name').orderBy('id').select()
}

export async function insertOperator(
  db: Db,
  values: { tenant_id: string; email: string; name: string; role: OperatorRow['role'] },
): Promise<OperatorRow> {
  const [row] = await db('operators').insert(values).returning<OperatorRow[]>('*')
  if (!row) throw new Error('operator insert returned nothing')
  return row
}

/** The reference cache's table of signed-in staff, one part per operator (`signedInOperator`). */
export const KEPT_OPERATORS = 'operators'

/**
 * Who hears of a change of an operator's row in this process: the kept copy of that
 * operator, forgotten once the write commits (the customers' twin, `CustomersHeard`).
 * Other processes hear it from the `operators_row_changed` trigger.
 */
export type OperatorsHeard = RowsHeard

const tell = (heard: OperatorsHeard, db: Db, rows: readonly { tenant_id: string; id: string }[]) =>
  rowsChanged(heard, db, KEPT_OPERATORS, rows)

export async function updateOperator(
  heard: OperatorsHeard,
  db: Db,
  id: string,
  patch: Record<string, unknown>,
): Promise<void> {
  tell(heard, db, await db('operators').where({ id }).update(patch).returning(['tenant_id', 'id']))
}

/** Applies `patch` and moves the session epoch on in one statement (see the customers' twin). */
export async function updateOperatorEndingSessions(
  heard: OperatorsHeard,
  db: Db,
  id: string,
  patch: Record<string, unknown> = {},
): Promise<void> {
  const changed = await db('operators')
    .where({ id })
    .update({ ...patch, session_epoch: db.raw('session_epoch + 1') })
    .returning(['tenant_id', 'id'])
  tell(heard, db, changed)
  await announceSessionsEnded(db, `operator:${id}`)
}

/** Accepts a TOTP step only if it is later than the last one used (single use, atomically). */
export async function acceptTotpStep(
  heard: OperatorsHeard,
  db: Db,
  id: string,
  step: number,
): Promise<boolean> {
  const updated = await db('operators')
    .where({ id })
    .where((q) => void q.whereNull('totp_last_step').orWhere('totp_last_step', '<', step))
    .update({ totp_last_step: step })
    .returning(['tenant_id', 'id'])
  tell(heard, db, updated)
  return updated.length === 1
}

export async function replaceRecoveryCodes(
  db: Db,
  tenantId: string,
  operatorId: string,
  hashes: string[],
): Promise<void> {
  await db('operator_recovery_codes').where({ operator_id: operatorId }).del()
  await db('operator_recovery_codes').insert(
    hashes.map((code_hash) => ({ tenant_id: tenantId, operator_id: operatorId, code_hash })),
  )
}

export async function useRecoveryCode(db: Db, operatorId: string, hash: string, now: Date): Promise<boolean> {
  const updated = await db('operator_recovery_codes')
    .where({ operator_id: operatorId, code_hash: hash })
    .whereNull('used_at')
    .update({ used_at: now })
  return updated === 1
}

export async function insertOperatorToken(
  db: Db,
  token: { tenant_id: string; operator_id: string; token_hash: string; created_at: Date; expires_at: Date },
): Promise<void> {
  await db('operator_tokens').insert(token)
}

export async function consumeOperatorToken(db: Db, hash: string, now: Date): Promise<string | undefined> {
  const [row] = await db('operator_tokens')
    .where({ token_hash: hash })
    .whereNull('used_at')
    .where('expires_at', '>', now)
    .update({ used_at: now })
    .returning<{ operator_id: string }[]>('operator_id')
  return row?.operator_id
}

export async function operatorTokenIsUsable(db: Db, hash: string, now: Date): Promise<boolean> {
  return Boolean(
    await db('operator_tokens')
      .where({ token_hash: hash })
      .whereNull('used_at')
      .where('expires_at', '>', now)
      .first('id'),
  )
}
