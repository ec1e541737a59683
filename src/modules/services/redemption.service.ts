import type { Knex } from 'knex'
import { isUniqueViolation } from '../../db/knex.ts'
import { withTenant } from '../../db/tenant-scope.ts'
import type { RequestContext } from '../../platform/context.ts'
import { audit } from '../../platform/audit.ts'
import { hashPassword } from '../../platform/passwords.ts'
import { hashTypedToken, maskEmail } from '../../platform/typed-token.ts'
import { createEnrolledCustomer, findCustomerByEmail, type CustomerRow } from '../accounts/index.ts'
import { servicesChangedOnCommit } from './access.service.ts'
import type { ServicesDeps } from './enrolment.service.ts'
import {
  addCustomerService,
  consumeEnrolment,
  countFailedAttempt,
  enrolmentStatus,
  findEnrolmentByToken,
  type EnrolmentRow,
} from './repo.ts'

// Step 4 of DOMAIN.md: a customer uses an operator's token — signed in (4a), or with a new
// account made from the token (4b). A token is used once; a wrong email counts against it.

/** Redemption outcomes a page can explain; `wrongEmail` carries the owner's email, masked. */
export type Redemption =
  | { ok: true; service: string }
  | { ok: false; reason: 'invalid' | 'expired' | 'hasAccount' }
  | { ok: false; reason: 'wrongEmail'; maskedEmail: string }

/** The token's use, either path: the customer enrolled in its service, and everyone told. */
async function enrol(
  trx: Knex.Transaction,
  deps: ServicesDeps,
  ctx: RequestContext,
  enrolment: EnrolmentRow,
  customerId: string,
  now: Date,
): Promise<void> {
  await deps.events.emit(trx, ctx, 'enrolment.redeemed', {
    enrolmentId: enrolment.id,
    customerId,
    service: enrolment.service,
  })
  await addCustomerService(trx, {
    tenant_id: ctx.tenant.id,
    customer_id: customerId,
    service: enrolment.service,
    enrolment_id: enrolment.id,
    added_by: 'token',
    added_at: now,
  })
  servicesChangedOnCommit(deps, trx, ctx.tenant.id)
}

/** A token typed for another email than its own: the attempt counts against the token. */
async function wrongEmail(trx: Knex.Transaction, enrolment: EnrolmentRow): Promise<Redemption> {
  await countFailedAttempt(trx, enrolment.id)
  return { ok: false, reason: 'wrongEmail', maskedEmail: maskEmail(enrolment.email) }
}

function unusable(enrolment: EnrolmentRow | undefined, now: Date): Redemption | undefined {
  if (!enrolment) return { ok: false, reason: 'invalid' }
  const status = enrolmentStatus(enrolment, now)
  if (status === 'expired') return { ok: false, reason: 'expired' }
  if (status !== 'pending') return { ok: false, reason: 'invalid' }
  return undefined
}

/** Step 4a: a signed-in customer types the token under My services → the service → Register. */
export async function redeemForCustomer(
  deps: ServicesDeps,
  ctx: RequestContext,
  customer: CustomerRow,
  service: string,
  typed: string,
): Promise<Redemption> {
  const now = deps.clock.now()
  const hash = hashTypedToken(typed)
  if (!hash) return { ok: false, reason: 'invalid' }
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const enrolment = await findEnrolmentByToken(trx, hash)
    const problem = unusable(enrolment?.service === service ? enrolment : undefined, now)
    if (problem || !enrolment) return problem ?? { ok: false, reason: 'invalid' }
    if (enrolment.email.toLowerCase() !== customer.email.toLowerCase()) return wrongEmail(trx, enrolment)
    if (!(await consumeEnrolment(trx, enrolment.id, customer.id, now)))
      return { ok: false, reason: 'invalid' }
    await enrol(trx, deps, ctx, enrolment, customer.id, now)
    await audit(trx, ctx, {
      action: 'enrolment.redeemed',
      targetType: 'enrolment',
      targetId: enrolment.id,
      details: { service },
    })
    return { ok: true, service }
  })
}

/** Step 4b, first page: is this a token that can still be used? Nothing is consumed. */
export async function checkToken(
  deps: ServicesDeps,
  ctx: RequestContext,
  typed: string,
): Promise<
  { ok: true; enrolmentId: string; tokenHash: string; service: string; company: string } | Redemption
> {
  const hash = hashTypedToken(typed)
  if (!hash) return { ok: false, reason: 'invalid' }
  const enrolment = await withTenant(deps.db, ctx.tenant.id, (trx) => findEnrolmentByToken(trx, hash))
  const problem = unusable(enrolment, deps.clock.now())
  if (problem || !enrolment) return problem ?? { ok: false, reason: 'invalid' }
  return {
    ok: true,
    enrolmentId: enrolment.id,
    tokenHash: hash,
    service: enrolment.service,
    company: enrolment.company,
  }
}

/** Raised inside the transaction to undo the new account when the token was used meanwhile. */
class TokenTakenError extends Error {}

/**
 * Step 4b, second page: email (the one the token was issued for) and a new password.
 * The account is created active — the token proves the email — and enrolled; all of it
 * in one transaction with the token's single use.
 */
export async function redeemWithNewAccount(
  deps: ServicesDeps,
  ctx: RequestContext,
  tokenHash: string,
  input: { email: string; password: string },
): Promise<Redemption> {
  const now = deps.clock.now()
  const passwordHash = await hashPassword(input.password)
  try {
    return await withTenant(deps.db, ctx.tenant.id, async (trx) => {
      const enrolment = await findEnrolmentByToken(trx, tokenHash)
      const problem = unusable(enrolment, now)
      if (problem || !enrolment) return problem ?? { ok: false, reason: 'invalid' }
      // The bound email first: asking about any other address is a wrong-email attempt,
      // so a token holder cannot probe which addresses have accounts.
      if (enrolment.email.toLowerCase() !== input.email.toLowerCase()) return wrongEmail(trx, enrolment)
      if (await findCustomerByEmail(trx, input.email)) return { ok: false, reason: 'hasAccount' }
      const customer = await createEnrolledCustomer(trx, {
        tenant_id: ctx.tenant.id,
        email: input.email,
        password_hash: passwordHash,
        organisation_name: enrolment.company,
        phone: enrolment.phone,
        preferred_locale: ctx.locale,
        // The same consent registration asks for, given on the account page of path 4b.
        consent_version: ctx.tenant.settings.consent.version,
        consent_ip: ctx.ip ?? null,
        now,
      })
      if (!(await consumeEnrolment(trx, enrolment.id, customer.id, now))) throw new TokenTakenError()
      const asCustomer: RequestContext = { ...ctx, actor: { type: 'customer', id: customer.id } }
      await enrol(trx, deps, asCustomer, enrolment, customer.id, now)
      await audit(trx, asCustomer, {
        action: 'enrolment.redeemed-new-account',
        targetType: 'enrolment',
        targetId: enrolment.id,
      })
      return { ok: true, service: enrolment.service }
    })
  } catch (err) {
    if (err instanceof TokenTakenError || isUniqueViolation(err, 'customers_email_uq'))
      return { ok: false, reason: 'invalid' }
    throw err
  }
}
