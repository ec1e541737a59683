import { randomBytes } from 'node:crypto'
import type { Knex } from 'knex'
import { withTenant } from '../../db/tenant-scope.ts'
import { audit } from '../../platform/audit.ts'
import type { Clock } from '../../platform/clock.ts'
import type { RequestContext } from '../../platform/context.ts'
import { InvalidFieldError } from '../../platform/errors.ts'
import { hashToken } from '../../platform/tokens.ts'
import { addDays, dayOf, localMoment } from '../../platform/time/intervals.ts'
import { insertToken, markUsed, revokeToken, tokenByHash, tokensOf, type TokenRow } from './repo.ts'

export type TokensDeps = { db: Knex; clock: Clock }

/** Active tokens an account may hold at once: enough for every script, and a bound on the list. */
export const MAX_ACTIVE_TOKENS = 20

/**
 * A token reads `kb_<prefix>_<secret>`: the prefix (8 hex digits) is shown in lists to
 * recognise it; the secret is 256 bits. Only the SHA-256 of the whole token is stored.
 */
const TOKEN_SHAPE = /^kb_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/

export interface TokenView extends TokenRow {
  state: 'active' | 'expired' | 'revoked'
  /** The last day it works, in the tenant's zone. */
  lastDay: string
}

const stateOf = (t: TokenRow, now: Date): TokenView['state'] =>
  t.revoked_at ? 'revoked' : t.expires_at <= now ? 'expired' : 'active'

export async function listTokens(
  deps: TokensDeps,
  ctx: RequestContext,
  accountId: string,
): Promise<TokenView[]> {
  const now = deps.clock.now()
  const rows = await withTenant(deps.db, ctx.tenant.id, (trx) => tokensOf(trx, accountId))
  const zone = ctx.tenant.settings.timeZone
  return rows.map((t) => ({
    ...t,
    state: stateOf(t, now),
    lastDay: dayOf(new Date(t.expires_at.getTime() - 1), zone),
  }))
}

/**
 * A new token for the account, made by the person signed in: valid through its last day in
 * the tenant's zone. Returns the token itself (shown once) with its row.
 */
export async function createToken(
  deps: TokensDeps,
  ctx: RequestContext,
  accountId: string,
  personId: string,
  input: { name: string; scopes: string[]; expiresOn: string },
): Promise<{ token: string; row: TokenRow }> {
  const now = deps.clock.now()
  const prefix = randomBytes(4).toString('hex')
  const token = `kb_${prefix}_${randomBytes(32).toString('base64url')}`
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const active = (await tokensOf(trx, accountId)).filter((t) => stateOf(t, now) === 'active')
    if (active.length >= MAX_ACTIVE_TOKENS) throw new InvalidFieldError('name', 'api.errors.tooMany')
    const row = await insertToken(trx, {
      tenant_id: ctx.tenant.id,
      account_id: accountId,
      created_by: personId,
      name: input.name,
      prefix,
      token_hash: hashToken(token),
      scopes: [...new Set(input.scopes)].sort(),
      expires_at: localMoment(addDays(input.expiresOn, 1), 0, '00:00', ctx.tenant.settings.timeZone),
    })
    await audit(trx, ctx, {
      action: 'api.token-created',
      targetType: 'customer',
      targetId: accountId,
      details: { token: row.id, prefix, scopes: row.scopes, expiresAt: row.expires_at.toISOString() },
    })
    return { token, row }
  })
}

/** Revoked at once, by the account's administrator or by staff (`by`); the row stays. */
export async function revokeApiToken(
  deps: TokensDeps,
  ctx: RequestContext,
  accountId: string,
  id: string,
  by: 'customer' | 'operator',
): Promise<boolean> {
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const row = await revokeToken(trx, accountId, id, by, deps.clock.now())
    if (!row) return false
    await audit(trx, ctx, {
      action: 'api.token-revoked',
      targetType: 'customer',
      targetId: accountId,
      details: { token: id, prefix: row.prefix, by },
    })
    return true
  })
}

/**
 * The token a bearer value names in this tenant, if it is usable now: well formed, known,
 * not revoked, not expired. A malformed value is not looked up at all.
 */
export async function usableToken(
  deps: TokensDeps,
  ctx: RequestContext,
  bearer: string,
): Promise<TokenRow | undefined> {
  if (!TOKEN_SHAPE.test(bearer)) return undefined
  const row = await withTenant(deps.db, ctx.tenant.id, (trx) => tokenByHash(trx, hashToken(bearer)))
  return row && stateOf(row, deps.clock.now()) === 'active' ? row : undefined
}

/**
 * "Last used", written at most once a minute per token and process, in its own transaction
 * after the answer is sent — like the session's touch, never inside a request's reads.
 */
export function usageRecorder(deps: TokensDeps, onError: (err: unknown) => void) {
  const recorded = new Map<string, number>()
  return (ctx: RequestContext, token: TokenRow): void => {
    const now = deps.clock.now()
    const last = recorded.get(token.id) ?? token.last_used_at?.getTime() ?? 0
    if (now.getTime() - last < 60_000) return
    recorded.set(token.id, now.getTime())
    if (recorded.size > 10_000) recorded.clear()
    withTenant(deps.db, ctx.tenant.id, (trx) => markUsed(trx, token.id, now)).catch(onError)
  }
}
