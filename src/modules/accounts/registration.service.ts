import { InvalidFieldError } from '../../platform/errors.ts'
import type { Knex } from 'knex'
import type { ReferenceCache } from '../../platform/tenancy/reference-cache.ts'
import { isUniqueViolation } from '../../db/knex.ts'
import { withTenant } from '../../db/tenant-scope.ts'
import type { RequestContext } from '../../platform/context.ts'
import { audit } from '../../platform/audit.ts'
import type { Clock } from '../../platform/clock.ts'
import { formattersFor } from '../../platform/format.ts'
import type { Outbox } from '../../platform/mail/outbox.ts'
import { generateOneTimePassword, hashPassword } from '../../platform/passwords.ts'
import { mailCustomer, portalLink } from '../../platform/mail/links.ts'
import {
  consumeToken,
  findCustomerByEmail,
  insertCustomer,
  issueToken,
  loginNameTaken,
  updateCustomer,
  type CustomerRow,
} from './repo.ts'
import type { ConfirmationRegistration, EmailedPasswordRegistration } from './schemas.ts'

export interface AccountsDeps {
  db: Knex
  outbox: Outbox
  clock: Clock
  /** The signed-in customers kept in this process (`signedInCustomers`), told of each change. */
  reference: ReferenceCache
}

const CONFIRMATION_HOURS = 48
export const PENDING_DAYS = 7

/** A chosen login name already in use (login names must be unique to work): said beside the field. */
const loginNameInUse = () => new InvalidFieldError('loginName', 'accounts.errors.loginNameTaken')

function consentFields(ctx: RequestContext, now: Date) {
  return { consent_version: ctx.tenant.settings.consent.version, consent_at: now, consent_ip: ctx.ip ?? null }
}

/**
 * Someone registered with an email that already has an account: they see the same page
 * as anyone else, and the account's owner gets an email saying so.
 */
async function tellOwner(
  trx: Knex.Transaction,
  deps: AccountsDeps,
  ctx: RequestContext,
  existing: CustomerRow,
): Promise<void> {
  await mailCustomer(trx, deps.outbox, ctx, existing, 'already-registered', {
    link: portalLink(ctx, '/login'),
    resetLink: portalLink(ctx, '/password/forgot'),
  })
  await audit(trx, ctx, {
    action: 'customer.register.existing-email',
    targetType: 'customer',
    targetId: existing.id,
  })
}

/** Seed 002: the account is active at once, with a one-time password sent by email. */
/**
 * Two registrations of one email at the same moment: the unique index lets one win; the
 * other is answered like any registration of an existing email, with nothing written.
 */
async function firstWins(work: () => Promise<void>): Promise<void> {
  try {
    await work()
  } catch (err) {
    if (isUniqueViolation(err, 'customers_login_name_uq')) throw loginNameInUse()
    if (!isUniqueViolation(err, 'customers_email_uq')) throw err
  }
}

export async function registerWithEmailedPassword(
  deps: AccountsDeps,
  ctx: RequestContext,
  data: EmailedPasswordRegistration,
): Promise<void> {
  const now = deps.clock.now()
  const { oneTime, passwordHash, expires } = await newOneTimePassword(ctx, now)
  await firstWins(() =>
    withTenant(deps.db, ctx.tenant.id, async (trx) => {
      const existing = await findCustomerByEmail(trx, data.email)
      if (existing) return tellOwner(trx, deps, ctx, existing)
      const customer = await insertCustomer(trx, {
        tenant_id: ctx.tenant.id,
        email: data.email,
        status: 'active',
        password_hash: passwordHash,
        must_change_password: true,
        password_expires_at: expires,
        category: data.category,
        organisation_name: data.organisationName,
        full_name: data.fullName,
        phone: data.phone,
        identifiers: data.identifiers,
        preferred_locale: ctx.locale,
        confirmed_at: now,
        ...consentFields(ctx, now),
      })
      await mailOneTimePassword(trx, deps, ctx, customer, oneTime, expires)
      await audit(trx, ctx, {
        action: 'customer.registered',
        targetType: 'customer',
        targetId: customer.id,
        details: { mode: 'emailedPassword' },
      })
    }),
  )
}

async function newOneTimePassword(ctx: RequestContext, now: Date) {
  const oneTime = generateOneTimePassword(ctx.tenant.settings.passwordPolicy)
  const passwordHash = await hashPassword(oneTime)
  const expires = new Date(now.getTime() + ctx.tenant.settings.registration.oneTimePasswordDays * 86_400_000)
  return { oneTime, passwordHash, expires }
}

async function mailOneTimePassword(
  trx: Knex.Transaction,
  deps: AccountsDeps,
  ctx: RequestContext,
  customer: CustomerRow,
  oneTime: string,
  expires: Date,
) {
  await mailCustomer(trx, deps.outbox, ctx, customer, 'one-time-password', {
    password: oneTime,
    expires: formattersFor(ctx.locale, ctx.tenant.settings.timeZone).dateTime(expires),
    link: portalLink(ctx, '/login'),
  })
}

async function sendConfirmation(
  trx: Knex.Transaction,
  deps: AccountsDeps,
  ctx: RequestContext,
  customer: CustomerRow,
  now: Date,
) {
  const token = await issueToken(trx, customer, 'confirm_email', now, CONFIRMATION_HOURS * 3_600_000)
  await mailCustomer(trx, deps.outbox, ctx, customer, 'confirm-email', {
    link: portalLink(ctx, `/confirm/${token}`),
    hours: CONFIRMATION_HOURS,
  })
}

/** Seed 004: the account waits until the emailed link is confirmed. */
export async function registerWithConfirmation(
  deps: AccountsDeps,
  ctx: RequestContext,
  data: ConfirmationRegistration,
): Promise<void> {
  const now = deps.clock.now()
  const passwordHash = await hashPassword(data.password)
  await firstWins(() =>
    withTenant(deps.db, ctx.tenant.id, async (trx) => {
      const existing = await findCustomerByEmail(trx, data.email)
      if (existing) return tellOwner(trx, deps, ctx, existing)
      if (data.loginName && (await loginNameTaken(trx, data.loginName))) throw loginNameInUse()
      const customer = await insertCustomer(trx, {
        tenant_id: ctx.tenant.id,
        email: data.email,
        login_name: data.loginName,
        created_at: now,
        status: 'pending',
        password_hash: passwordHash,
        category: data.category,
        organisation_name: data.organisationName,
        full_name: data.fullName,
        identifiers: data.identifiers,
        preferred_locale: ctx.locale,
        password_changed_at: now,
        ...consentFields(ctx, now),
      })
      await sendConfirmation(trx, deps, ctx, customer, now)
      await audit(trx, ctx, {
        action: 'customer.registered',
        targetType: 'customer',
        targetId: customer.id,
        details: { mode: 'emailConfirmation' },
      })
    }),
  )
}

/** Only the POST from the confirmation page gets here; opening the link consumes nothing. */
export async function confirmEmail(deps: AccountsDeps, ctx: RequestContext, hash: string): Promise<boolean> {
  const now = deps.clock.now()
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const used = await consumeToken(trx, 'confirm_email', hash, now)
    if (!used) return false
    await updateCustomer(deps, trx, used.customer_id, { status: 'active', confirmed_at: now })
    await audit(
      trx,
      { ...ctx, actor: { type: 'customer', id: used.customer_id } },
      { action: 'customer.email-confirmed', targetType: 'customer', targetId: used.customer_id },
    )
    return true
  })
}

/**
 * "Send again": a new link for a pending account, a new one-time password for an account
 * still on its emailed one; silence for any other email (the page says the same to all).
 */
export async function resendConfirmation(
  deps: AccountsDeps,
  ctx: RequestContext,
  email: string,
): Promise<void> {
  const now = deps.clock.now()
  // Hashed before the transaction (argon2 is slow) and for every address alike, so the
  // answer takes the same time whether or not the account exists.
  const fresh = await newOneTimePassword(ctx, now)
  await withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const customer = await findCustomerByEmail(trx, email)
    if (customer?.status === 'pending') return sendConfirmation(trx, deps, ctx, customer, now)
    // Registered with an emailed password that was never replaced: a new one replaces it.
    if (customer?.status === 'active' && customer.must_change_password && customer.password_expires_at) {
      await updateCustomer(deps, trx, customer.id, {
        password_hash: fresh.passwordHash,
        password_expires_at: fresh.expires,
      })
      await mailOneTimePassword(trx, deps, ctx, customer, fresh.oneTime, fresh.expires)
      await audit(trx, ctx, {
        action: 'customer.one-time-password-resent',
        targetType: 'customer',
        targetId: customer.id,
      })
    }
  })
}
