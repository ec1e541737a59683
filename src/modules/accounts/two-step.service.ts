import type { Knex } from 'knex'
import { withTenant } from '../../db/tenant-scope.ts'
import type { RequestContext } from '../../platform/context.ts'
import { audit } from '../../platform/audit.ts'
import { mailCustomer } from '../../platform/mail/links.ts'
import { verifyPassword } from '../../platform/passwords.ts'
import { hashToken } from '../../platform/tokens.ts'
import { newRecoveryCodes, normaliseRecoveryCode, totpStep } from '../../platform/totp.ts'
import {
  acceptCustomerTotpStep,
  findCustomer,
  replaceCustomerRecoveryCodes,
  unusedRecoveryCodes,
  updateCustomerEndingSessions,
  useCustomerRecoveryCode,
  type CustomerRow,
} from './repo.ts'
import type { AccountsDeps } from './registration.service.ts'

/**
 * Two-step sign-in for customers: each person's own authenticator app (TOTP, as staff use)
 * with ten single-use recovery codes. A person may turn it on; a tenant may require it of
 * every customer, and then it cannot be turned off. Turning it on or off, and new recovery
 * codes, end the person's other sessions, are audited and are told by email.
 */

/** Whether the tenant asks it of this person now: required and not yet set up. */
export const twoStepMissing = (ctx: RequestContext, customer: CustomerRow): boolean =>
  ctx.tenant.settings.customerTwoStep && !customer.totp_enabled_at

export interface TwoStepStatus {
  enabledAt: Date | null
  recoveryCodesLeft: number
}

export async function twoStepStatus(
  deps: AccountsDeps,
  ctx: RequestContext,
  customerId: string,
): Promise<TwoStepStatus> {
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const customer = await findCustomer(trx, customerId)
    if (!customer) throw new Error('signed-in customer not found')
    return {
      enabledAt: customer.totp_enabled_at,
      recoveryCodesLeft: customer.totp_enabled_at ? await unusedRecoveryCodes(trx, customerId) : 0,
    }
  })
}

/**
 * The second step of a sign-in: a TOTP code (each accepted once) or one of the person's
 * unused recovery codes. Returns the customer as they are now, or undefined.
 */
export async function checkCustomerSecondFactor(
  deps: AccountsDeps,
  ctx: RequestContext,
  customerId: string,
  code: string,
): Promise<CustomerRow | undefined> {
  const now = deps.clock.now()
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const customer = await findCustomer(trx, customerId)
    if (!customer?.totp_secret || customer.status !== 'active') return undefined
    const step = totpStep(customer.totp_secret, code, now)
    const ok =
      (step !== undefined && (await acceptCustomerTotpStep(deps, trx, customer.id, step))) ||
      (await useCustomerRecoveryCode(trx, customer.id, hashToken(normaliseRecoveryCode(code)), now))
    await audit(
      trx,
      { ...ctx, actor: { type: 'customer', id: customer.id } },
      {
        action: ok ? 'customer.login' : 'customer.second-factor-failed',
        targetType: 'customer',
        targetId: customer.id,
        details: { secondFactor: true },
      },
    )
    return ok ? customer : undefined
  })
}

/**
 * Turns two-step sign-in on with a secret the person's app now holds: the first valid code
 * from it proves that. Returns the recovery codes (shown once; only hashes are stored) and
 * the session epoch the current session carries on with, or undefined for a wrong code.
 */
export async function enrolTwoStep(
  deps: AccountsDeps,
  ctx: RequestContext,
  customerId: string,
  secret: string,
  code: string,
): Promise<{ codes: string[]; epoch: number } | undefined> {
  const now = deps.clock.now()
  const step = totpStep(secret, code, now)
  if (step === undefined) return undefined
  const codes = newRecoveryCodes()
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const customer = await findCustomer(trx, customerId)
    if (!customer || customer.totp_enabled_at) return undefined
    const epoch = await updateCustomerEndingSessions(deps, trx, customerId, {
      totp_secret: secret,
      totp_enabled_at: now,
      totp_last_step: step,
    })
    await replaceCustomerRecoveryCodes(
      trx,
      ctx.tenant.id,
      customerId,
      codes.map((c) => hashToken(c)),
    )
    await mailCustomer(trx, deps.outbox, ctx, customer, 'accounts.mail.twoStepOn', {
      supportEmail: ctx.tenant.settings.supportEmail,
    })
    await audit(trx, ctx, { action: 'customer.two-step-on', targetType: 'customer', targetId: customerId })
    return { codes, epoch }
  })
}

/** Ten new recovery codes for a code from the app; the old ones stop working. */
export async function renewRecoveryCodes(
  deps: AccountsDeps,
  ctx: RequestContext,
  customerId: string,
  code: string,
): Promise<string[] | undefined> {
  const now = deps.clock.now()
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const customer = await findCustomer(trx, customerId)
    if (!customer?.totp_secret) return undefined
    const step = totpStep(customer.totp_secret, code, now)
    if (step === undefined || !(await acceptCustomerTotpStep(deps, trx, customerId, step))) return undefined
    const codes = newRecoveryCodes()
    await replaceCustomerRecoveryCodes(
      trx,
      ctx.tenant.id,
      customerId,
      codes.map((c) => hashToken(c)),
    )
    await audit(trx, ctx, {
      action: 'customer.recovery-codes-renewed',
      targetType: 'customer',
      targetId: customerId,
    })
    return codes
  })
}

/**
 * Turns two-step sign-in off for the current password, unless the tenant requires it.
 * Returns the session epoch the current session carries on with.
 */
export async function turnOffTwoStep(
  deps: AccountsDeps,
  ctx: RequestContext,
  customerId: string,
  password: string,
): Promise<number | 'wrongPassword' | 'required'> {
  if (ctx.tenant.settings.customerTwoStep) return 'required'
  const customer = await withTenant(deps.db, ctx.tenant.id, (trx) => findCustomer(trx, customerId))
  if (!customer?.totp_enabled_at) throw new Error('two-step sign-in is not on')
  if (!(await verifyPassword(customer.password_hash, password)).ok) return 'wrongPassword'
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const epoch = await clearTwoStep(trx, deps, ctx, customer)
    await audit(trx, ctx, { action: 'customer.two-step-off', targetType: 'customer', targetId: customerId })
    return epoch
  })
}

/** Off, codes gone, every session ended, the person told (also when staff reset it). */
export async function clearTwoStep(
  trx: Knex.Transaction,
  deps: Pick<AccountsDeps, 'outbox' | 'reference'>,
  ctx: RequestContext,
  customer: CustomerRow,
): Promise<number> {
  const epoch = await updateCustomerEndingSessions(deps, trx, customer.id, {
    totp_secret: null,
    totp_enabled_at: null,
    totp_last_step: null,
  })
  await replaceCustomerRecoveryCodes(trx, ctx.tenant.id, customer.id, [])
  await mailCustomer(trx, deps.outbox, ctx, customer, 'accounts.mail.twoStepOff', {
    supportEmail: ctx.tenant.settings.supportEmail,
  })
  return epoch
}
