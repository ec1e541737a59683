import type { Db } from '../../db/knex.ts'

export interface TokenRow {
  id: string
  tenant_id: string
  account_id: string
  created_by: string
  name: string
  prefix: string
  scopes: string[]
  created_at: Date
  expires_at: Date
  last_used_at: Date | null
  revoked_at: Date | null
  revoked_by: string | null
}

const COLUMNS = [
  'id',
  'tenant_id',
  'account_id',
  'created_by',
  'name',
  'prefix',
  'scopes',
  'created_at',
  'expires_at',
  'last_used_at',
  'revoked_at',
  'revoked_by',
] as const

export async function insertToken(
  db: Db,
  row: Omit<TokenRow, 'id' | 'created_at' | 'last_used_at' | 'revoked_at' | 'revoked_by'> & {
    token_hash: string
  },
): Promise<TokenRow> {
  const [inserted] = await db('api_tokens').insert(row).returning<TokenRow[]>(COLUMNS)
  return inserted!
}

/** An account's tokens, newest first (a person makes a handful: the list is bounded in practice, and capped). */
export function tokensOf(db: Db, accountId: string): Promise<TokenRow[]> {
  return db('api_tokens')
    .where({ account_id: accountId })
    .orderBy([
      { column: 'created_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(100)
    .select<TokenRow[]>(COLUMNS)
}

export function tokenByHash(db: Db, hash: string): Promise<TokenRow | undefined> {
  return db('api_tokens').where({ token_hash: hash }).first<TokenRow | undefined>(COLUMNS)
}

export async function revokeToken(db: Db, accountId: string, id: string, by: string, now: Date) {
  const [row] = await db('api_tokens')
    .where({ id, account_id: accountId })
    .whereNull('revoked_at')
    .update({ revoked_at: now, revoked_by: by })
    .returning<TokenRow[]>(COLUMNS)
  return row
}

export async function markUsed(db: Db, id: string, now: Date): Promise<void> {
  await db('api_tokens').where({ id }).update({ last_used_at: now })
}
