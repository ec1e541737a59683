import { InvalidFieldError } from '../../platform/errors.ts'
import type { Knex } from 'knex'
import { isUniqueViolation } from '../../db/knex.ts'
import { withTenant } from '../../db/tenant-scope.ts'
import type { RequestContext } from '../../platform/context.ts'
import { audit } from '../../platform/audit.ts'
import type { Clock } from '../../platform/clock.ts'
import type { Outbox } from '../../platform/mail/outbox.ts'
import { hashPassword, verifyPassword } from '../../platform/passwords.ts'
import { hashToken, newLinkToken } from '../../platform/tokens.ts'
import { newRecoveryCodes, normaliseRecoveryCode, totpStep } from '../../platform/totp.ts'
import type { Tenant } from '../../platform/tenancy/settings.ts'
import { keptRow, type ReferenceCache } from '../../platform/tenancy/reference-cache.ts'
import {
  acceptTotpStep,
  consumeOperatorToken,
  findOperator,
  findOperatorByEmail,
  insertOperator,
  insertOperatorToken,
  KEPT_OPERATORS,
  operatorTokenIsUsable,
  replaceRecoveryCodes,
  updateOperator,
  updateOperatorEndingSessions,
  useRecoveryCode,
  type OperatorRow,
} from './repo.ts'

export interface OperatorsDeps {
  db: Knex
  outbox: Outbox
  clock: Clock
  /** The signed-in staff kept in this process (`signedInOperator`), told of each change. */
  reference: ReferenceCache
}

export const SET_PASSWORD_HOURS = 72

const asOperator = (ctx: RequestContext, id: string | null): RequestContext => ({
  ...ctx,
  actor: { type: 'operator', id },
})

/** First factor. Same answer (and time) for unknown, wrong, disabled and not-yet-set passwords. */
export async function checkOperatorPassword(
  deps: OperatorsDeps,
  ctx: RequestContext,
  email: string,
  password: string,
): Promise<OperatorRow | undefined> {
  const operator = await withTenant(deps.db, ctx.tenant.id, (trx) => findOperatorByEmail(trx, email))
  const { ok } = await verifyPassword(operator?.password_hash, password)
  const usable = ok && operator && !operator.disabled_at ? operator : undefined
  await withTenant(deps.db, ctx.tenant.id, (trx) =>
    audit(trx, asOperator(ctx, operator?.id ?? null), {
      action: usable ? 'operator.password-ok' : 'operator.login-failed',
      targetType: 'operator',
      targetId: operator?.id,
    }),
  )
  return usable
}

/** Second factor: a TOTP code (each accepted once) or one of the operator's unused recovery codes. */
export async function checkSecondFactor(
  deps: OperatorsDeps,
  ctx: RequestContext,
  operatorId: string,
  code: string,
): Promise<OperatorRow | undefined> {
  const now = deps.clock.now()
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const operator = await findOperator(trx, operatorId)
    if (!operator?.totp_secret || operator.disabled_at) return undefined
    const step = totpStep(operator.totp_secret, code, now)
    const ok =
      (step !== undefined && (await acceptTotpStep(deps, trx, operator.id, step))) ||
      (await useRecoveryCode(trx, operator.id, hashToken(normaliseRecoveryCode(code)), now))
    await audit(trx, asOperator(ctx, operator.id), {
      action: ok ? 'operator.login' : 'operator.second-factor-failed',
      targetType: 'operator',
      targetId: operator.id,
    })
    return ok ? operator : undefined
  })
}

/** Enrolment: the first valid code from the new secret turns TOTP on and yields ten recovery codes. */
export async function enrolTotp(
  deps: OperatorsDeps,
  ctx: RequestContext,
  operatorId: string,
  secret: string,
  code: string,
): Promise<string[] | undefined> {
  const now = deps.clock.now()
  const step = totpStep(secret, code, now)
  if (step === undefined) return undefined
  const codes = newRecoveryCodes()
  await withTenant(deps.db, ctx.tenant.id, async (trx) => {
    await updateOperator(deps, trx, operatorId, {
      totp_secret: secret,
      totp_enabled_at: now,
      totp_last_step: step,
    })
    await replaceRecoveryCodes(
      trx,
      ctx.tenant.id,
      operatorId,
      codes.map((c) => hashToken(c)),
    )
    await audit(trx, asOperator(ctx, operatorId), {
      action: 'operator.totp-enrolled',
      targetType: 'operator',
      targetId: operatorId,
    })
  })
  return codes
}

/** A single-use link to set a password (first administrator, invitations). */
export async function issueSetPasswordLink(
  trx: Knex.Transaction,
  tenant: Tenant,
  operator: OperatorRow,
  now: Date,
): Promise<string> {
  const { token, hash } = newLinkToken()
  await insertOperatorToken(trx, {
    tenant_id: tenant.id,
    operator_id: operator.id,
    token_hash: hash,
    created_at: now,
    expires_at: new Date(now.getTime() + SET_PASSWORD_HOURS * 3_600_000),
  })
  return `${tenant.settings.publicBaseUrl}/admin/set-password/${token}`
}

export async function inviteOperator(
  deps: OperatorsDeps,
  ctx: RequestContext,
  input: { email: string; name: string; role: OperatorRow['role'] },
): Promise<void> {
  const now = deps.clock.now()
  try {
    await withTenant(deps.db, ctx.tenant.id, async (trx) => {
      const operator = await insertOperator(trx, { tenant_id: ctx.tenant.id, ...input })
      const link = await issueSetPasswordLink(trx, ctx.tenant, operator, now)
      await deps.outbox.enqueue(trx, ctx.tenant, {
        to: operator.email,
        template: 'operator-invite',
        locale: ctx.locale,
        params: { tenant: ctx.tenant.settings.name, link, hours: SET_PASSWORD_HOURS },
      })
      await audit(trx, ctx, {
        action: 'operator.invited',
        targetType: 'operator',
        targetId: operator.id,
        details: { role: input.role },
      })
    })
  } catch (err) {
    if (isUniqueViolation(err, 'operators_email_uq'))
      throw new InvalidFieldError('email', 'admin.errors.operatorExists')
    throw err
  }
}

export async function setPasswordLinkIsUsable(
  deps: OperatorsDeps,
  ctx: RequestContext,
  token: string,
): Promise<boolean> {
  return withTenant(deps.db, ctx.tenant.id, (trx) =>
    operatorTokenIsUsable(trx, hashToken(token), deps.clock.now()),
  )
}

/** Sets the password from a link; a new password also ends the operator's sessions. */
export async function setPasswordFromLink(
  deps: OperatorsDeps,
  ctx: RequestContext,
  token: string,
  password: string,
): Promise<boolean> {
  const now = deps.clock.now()
  const passwordHash = await hashPassword(password)
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const operatorId = await consumeOperatorToken(trx, hashToken(token), now)
    if (!operatorId) return false
    const operator = await findOperator(trx, operatorId)
    if (!operator) return false
    await updateOperatorEndingSessions(deps, trx, operatorId, { password_hash: passwordHash })
    await audit(trx, asOperator(ctx, operatorId), {
      action: 'operator.password-set',
      targetType: 'operator',
      targetId: operatorId,
    })
    return true
  })
}

/** Role and access changes by an administrator; never on their own account (no locking oneself out). */
export async function changeOperator(
  deps: OperatorsDeps,
  ctx: RequestContext,
  targetId: string,
  change: { role?: OperatorRow['role']; disabled?: boolean },
): Promise<'done' | 'self' | 'missing'> {
  if (targetId === ctx.actor.id) return 'self'
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const target = await findOperator(trx, targetId)
    if (!target) return 'missing'
    if (change.role) await updateOperator(deps, trx, targetId, { role: change.role })
    if (change.disabled !== undefined)
      await updateOperatorEndingSessions(deps, trx, targetId, {
        disabled_at: change.disabled ? deps.clock.now() : null,
      })
    await audit(trx, ctx, { action: 'operator.changed', targetType: 'operator', targetId, details: change })
    return 'done'
  })
}

/** An operator of this tenant (the one part-way through signing in, say). */
export async function operatorById(
  deps: Pick<OperatorsDeps, 'db'>,
  ctx: RequestContext,
  id: string,
): Promise<OperatorRow | undefined> {
  return withTenant(deps.db, ctx.tenant.id, (trx) => findOperator(trx, id))
}

/** How long a kept operator is trusted without hearing of a change: a bound for a missed NOTIFY. */
const OPERATOR_KEPT_MS = 60_000

/**
 * The staff member a session names, if they still exist in this tenant. Every staff page
 * loads them, so each process keeps the row as it keeps the signed-in customer's
 * (accounts' `signedInCustomers`): forgotten on any change of it (the
 * `operators_row_changed` trigger; the writing process at its commit, `OperatorsHeard`;
 * everything on a listener reconnect), after OPERATOR_KEPT_MS at most, or at once with
 * `reread` (`keptRow`); each caller gets its own copy.
 */
export async function signedInOperator(
  deps: Pick<OperatorsDeps, 'db' | 'reference' | 'clock'>,
  ctx: RequestContext,
  id: string,
  options: { reread?: boolean } = {},
): Promise<OperatorRow | undefined> {
  return keptRow(deps, ctx.tenant.id, KEPT_OPERATORS, id, () => operatorById(deps, ctx, id), {
    keptMs: OPERATOR_KEPT_MS,
    reread: options.reread,
  })
}
