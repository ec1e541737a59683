import type { PgBoss } from 'pg-boss'
import { withTenant } from '../../db/tenant-scope.ts'
import { ACCOUNT_QUEUES } from './queues.ts'
import { sendJob } from '../../platform/jobs.ts'
import { findTenantById } from '../../platform/tenancy/repo.ts'
import type { RequestContext } from '../../platform/context.ts'
import { audit } from '../../platform/audit.ts'
import { hashPassword, verifyPassword } from '../../platform/passwords.ts'
import { hashToken } from '../../platform/tokens.ts'
import { mailCustomer, portalLink } from '../../platform/mail/links.ts'
import {
  consumeToken,
  findCustomer,
  findCustomerByEmail,
  findCustomerByLogin,
  issueToken,
  tokenIsUsable,
  updateCustomer,
  updateCustomerEndingSessions,
  voidTokens,
  type CustomerRow,
} from './repo.ts'
import type { AccountsDeps } from './registration.service.ts'
import { twoStepMissing } from './two-step.service.ts'

const RESET_MINUTES = 30

export type AuthResult = { ok: true; customer: CustomerRow } | { ok: false }

/**
 * Checks a login. Unknown login, wrong password, pending, disabled and an expired
 * one-time password all give the same answer, and an unknown login is still checked
 * against a dummy hash so the time taken does not tell them apart.
 */
export async function authenticate(
  deps: AccountsDeps,
  ctx: RequestContext,
  login: string,
  password: string,
): Promise<AuthResult> {
  const now = deps.clock.now()
  const byLoginName = ctx.tenant.settings.registration.loginName && !login.includes('@')
  const customer = await withTenant(deps.db, ctx.tenant.id, (trx) =>
    findCustomerByLogin(trx, login, byLoginName),
  )
  const { ok, rehash } = await verifyPassword(customer?.password_hash, password)
  const usable =
    ok &&
    customer?.status === 'active' &&
    !(customer.password_expires_at && customer.password_expires_at <= now)
  await withTenant(deps.db, ctx.tenant.id, async (trx) => {
    if (usable && rehash)
      await updateCustomer(deps, trx, customer.id, { password_hash: await hashPassword(password) })
    await audit(
      trx,
      { ...ctx, actor: { type: 'customer', id: customer?.id ?? null } },
      {
        // With two-step sign-in the password is only the first step: the second logs the sign-in.
        action: !usable
          ? 'customer.login-failed'
          : customer.totp_enabled_at || twoStepMissing(ctx, customer)
            ? 'customer.password-accepted'
            : 'customer.login',
        targetType: 'customer',
        targetId: customer?.id,
      },
    )
  })
  return usable ? { ok: true, customer } : { ok: false }
}

/**
 * A new password for a signed-in customer. Every other session ends (the epoch moves on),
 * outstanding reset and confirmation links are voided, and the customer is told by email.
 * Returns the new epoch for the current session, or 'wrongPassword'.
 */
export async function changePassword(
  deps: AccountsDeps,
  ctx: RequestContext,
  customerId: string,
  input: { currentPassword?: string; password: string },
  forced: boolean,
): Promise<number | 'wrongPassword'> {
  const now = deps.clock.now()
  const customer = await withTenant(deps.db, ctx.tenant.id, (trx) => findCustomer(trx, customerId))
  if (!customer) throw new Error('signed-in customer not found')
  if (!forced && !(await verifyPassword(customer.password_hash, input.currentPassword ?? '')).ok)
    return 'wrongPassword'
  const passwordHash = await hashPassword(input.password)
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const epoch = await updateCustomerEndingSessions(deps, trx, customer.id, {
      password_hash: passwordHash,
      must_change_password: false,
      password_expires_at: null,
      password_changed_at: now,
    })
    await voidTokens(trx, customer.id, now, ['reset_password'])
    await mailCustomer(trx, deps.outbox, ctx, customer, 'password-changed', {
      supportEmail: ctx.tenant.settings.supportEmail,
    })
    await audit(trx, ctx, {
      action: 'customer.password-changed',
      targetType: 'customer',
      targetId: customer.id,
      details: { forced },
    })
    return epoch
  })
}

/** Always answers the same; only an active account gets a (30-minute, single-use) link. */
export interface PasswordResetJob {
  tenantId: string
  email: string
  locale: RequestContext['locale']
  requestId: string
  ip: string | undefined
}

/**
 * "Forgot password" only queues the request: whether the address has an account is
 * looked up by the worker, so the answer takes the same time for every address and
 * timing cannot tell which ones are registered.
 */
export async function requestPasswordReset(
  deps: AccountsDeps & { boss: PgBoss },
  ctx: RequestContext,
  email: string,
): Promise<void> {
  const job: PasswordResetJob = {
    tenantId: ctx.tenant.id,
    email,
    locale: ctx.locale,
    requestId: ctx.requestId,
    ip: ctx.ip,
  }
  await deps.db.transaction((trx) => sendJob(deps.boss, trx, ACCOUNT_QUEUES.passwordResetRequest, job))
}

/** The worker's half: a link for an active account, nothing at all otherwise. */
export async function sendPasswordReset(deps: AccountsDeps, job: PasswordResetJob): Promise<void> {
  const tenant = await findTenantById(deps.db, job.tenantId)
  if (!tenant) return
  const ctx: RequestContext = {
    tenant,
    actor: { type: 'anonymous', id: null },
    locale: job.locale,
    requestId: job.requestId,
    ip: job.ip,
  }
  const now = deps.clock.now()
  await withTenant(deps.db, tenant.id, async (trx) => {
    const customer = await findCustomerByEmail(trx, job.email)
    if (customer?.status !== 'active') return
    const token = await issueToken(trx, customer, 'reset_password', now, RESET_MINUTES * 60_000)
    await mailCustomer(trx, deps.outbox, ctx, customer, 'password-reset', {
      link: portalLink(ctx, `/password/reset/${token}`),
      minutes: RESET_MINUTES,
    })
    await audit(trx, ctx, {
      action: 'customer.password-reset-requested',
      targetType: 'customer',
      targetId: customer.id,
    })
  })
}

export async function startPasswordResetWorker(deps: AccountsDeps, boss: PgBoss): Promise<void> {
  await boss.work<PasswordResetJob>(
    ACCOUNT_QUEUES.passwordResetRequest,
    { pollingIntervalSeconds: 0.5 },
    async (jobs) => {
      for (const job of jobs) await sendPasswordReset(deps, job.data)
    },
  )
}

export async function resetLinkIsUsable(
  deps: AccountsDeps,
  ctx: RequestContext,
  token: string,
): Promise<boolean> {
  return withTenant(deps.db, ctx.tenant.id, (trx) =>
    tokenIsUsable(trx, 'reset_password', hashToken(token), deps.clock.now()),
  )
}

/**
 * Sets the new password if, and only if, this request is the one that uses the token
 * (one atomic UPDATE). Other sessions end and other links are voided.
 */
export async function resetPassword(
  deps: AccountsDeps,
  ctx: RequestContext,
  token: string,
  password: string,
): Promise<'done' | 'invalid'> {
  const now = deps.clock.now()
  const passwordHash = await hashPassword(password)
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const used = await consumeToken(trx, 'reset_password', hashToken(token), now)
    if (!used) return 'invalid'
    const customer = await findCustomer(trx, used.customer_id)
    if (!customer || customer.status !== 'active') return 'invalid'
    await updateCustomerEndingSessions(deps, trx, customer.id, {
      password_hash: passwordHash,
      must_change_password: false,
      password_expires_at: null,
      password_changed_at: now,
    })
    await voidTokens(trx, customer.id, now)
    await mailCustomer(trx, deps.outbox, ctx, customer, 'password-changed', {
      supportEmail: ctx.tenant.settings.supportEmail,
    })
    await audit(
      trx,
      { ...ctx, actor: { type: 'customer', id: customer.id } },
      { action: 'customer.password-reset', targetType: 'customer', targetId: customer.id },
    )
    return 'done'
  })
}

export async function endOtherSessions(
  deps: AccountsDeps,
  ctx: RequestContext,
  customer: CustomerRow,
): Promise<number> {
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const epoch = await updateCustomerEndingSessions(deps, trx, customer.id)
    await audit(trx, ctx, {
      action: 'customer.sessions-ended',
      targetType: 'customer',
      targetId: customer.id,
    })
    return epoch
  })
}
