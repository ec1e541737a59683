import { servicesSettings } from './settings.ts'
import { servicesChangedOnCommit } from './access.service.ts'
import { claimSubmission } from '../../platform/submissions.ts'
import type { Knex } from 'knex'
import { isUniqueViolation } from '../../db/knex.ts'
import { withTenant } from '../../db/tenant-scope.ts'
import type { RequestContext } from '../../platform/context.ts'
import { audit } from '../../platform/audit.ts'
import type { Clock } from '../../platform/clock.ts'
import type { DomainEvents } from '../../platform/events.ts'
import type { Outbox } from '../../platform/mail/outbox.ts'
import type { ReferenceCache } from '../../platform/tenancy/reference-cache.ts'
import { hashPassword } from '../../platform/passwords.ts'
import { hashTypedToken, maskEmail, newTypedToken } from '../../platform/typed-token.ts'
import { portalLink } from '../../platform/mail/links.ts'
import { createEnrolledCustomer, findCustomerByEmail, type CustomerRow } from '../accounts/index.ts'
import {
  addCustomerService,
  consumeEnrolment,
  countFailedAttempt,
  enrolmentStatus,
  findEnrolment,
  findEnrolmentByToken,
  insertEnrolment,
  markRequestHandled,
  revokeEnrolment,
  type EnrolmentRow,
} from './repo.ts'

export interface ServicesDeps {
  db: Knex
  outbox: Outbox
  clock: Clock
  events: DomainEvents
  reference: ReferenceCache
}

export interface EnrolmentInput {
  service: string
  company: string
  email: string
  phone: string | null
  requestId?: string
  /** The form's one-time token: the same form sent twice issues one enrolment. */
  submission?: string
}

/** Redemption outcomes a page can explain; `wrongEmail` carries the owner's email, masked. */
export type Redemption =
  | { ok: true; service: string }
  | { ok: false; reason: 'invalid' | 'expired' | 'hasAccount' }
  | { ok: false; reason: 'wrongEmail'; maskedEmail: string }

async function create(
  trx: Knex.Transaction,
  deps: ServicesDeps,
  ctx: RequestContext,
  input: EnrolmentInput,
  now: Date,
): Promise<{ enrolment: EnrolmentRow; token: string }> {
  const token = newTypedToken()
  const enrolment = await insertEnrolment(trx, {
    tenant_id: ctx.tenant.id,
    service: input.service,
    company: input.company,
    email: input.email,
    phone: input.phone,
    request_id: input.requestId ?? null,
    token_hash: hashTypedToken(token)!,
    created_by: ctx.actor.id,
    created_at: now,
    expires_at: new Date(now.getTime() + servicesSettings.of(ctx.tenant).enrolmentDays * 86_400_000),
  })
  // Seed 000 step 3: the account for the service exists, here is the token and where to use it.
  await deps.outbox.enqueue(trx, ctx.tenant, {
    to: input.email,
    template: 'enrolment-token',
    locale: ctx.locale,
    params: {
      tenant: ctx.tenant.settings.name,
      service: input.service,
      token,
      company: input.company,
      days: servicesSettings.of(ctx.tenant).enrolmentDays,
      link: portalLink(ctx, '/enrol'),
    },
  })
  return { enrolment, token }
}

/** Steps 2–3: an operator enrols a company in a service; the system generates and emails the token. */
export async function issueEnrolment(
  deps: ServicesDeps,
  ctx: RequestContext,
  input: EnrolmentInput,
): Promise<{ enrolment: EnrolmentRow; token: string } | 'duplicate'> {
  const now = deps.clock.now()
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    if (!(await claimSubmission(trx, ctx.tenant.id, input.submission, 'enrolment'))) return 'duplicate'
    const issued = await create(trx, deps, ctx, input, now)
    if (input.requestId) await markRequestHandled(trx, input.requestId, ctx.actor.id!, now)
    await audit(trx, ctx, {
      action: 'enrolment.issued',
      targetType: 'enrolment',
      targetId: issued.enrolment.id,
      details: { service: input.service },
    })
    return issued
  })
}

export async function revoke(deps: ServicesDeps, ctx: RequestContext, id: string): Promise<boolean> {
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const done = await revokeEnrolment(trx, id, deps.clock.now())
    if (done) await audit(trx, ctx, { action: 'enrolment.revoked', targetType: 'enrolment', targetId: id })
    return done
  })
}

/** One enrolment for staff pages (a revocation to confirm). */
export async function enrolmentForStaff(
  deps: ServicesDeps,
  ctx: RequestContext,
  id: string,
): Promise<EnrolmentRow | undefined> {
  return withTenant(deps.db, ctx.tenant.id, (trx) => findEnrolment(trx, id))
}

/**
 * A new token for the same enrolment; the old one stops working in the same transaction.
 * Returns the new token (shown once to the operator) and where it was emailed.
 */
export async function reissue(
  deps: ServicesDeps,
  ctx: RequestContext,
  id: string,
): Promise<{ token: string; email: string } | null> {
  const now = deps.clock.now()
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const old = await findEnrolment(trx, id)
    if (!old || old.used_at) return null
    const { enrolment, token } = await create(
      trx,
      deps,
      ctx,
      { service: old.service, company: old.company, email: old.email, phone: old.phone },
      now,
    )
    await trx('enrolments')
      .where({ id })
      .update({ revoked_at: old.revoked_at ?? now, replaced_by: enrolment.id })
    await audit(trx, ctx, {
      action: 'enrolment.reissued',
      targetType: 'enrolment',
      targetId: enrolment.id,
      details: { replaces: id },
    })
    return { token, email: old.email }
  })
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
    if (enrolment.email.toLowerCase() !== customer.email.toLowerCase()) {
      await countFailedAttempt(trx, enrolment.id)
      return { ok: false, reason: 'wrongEmail', maskedEmail: maskEmail(enrolment.email) }
    }
    if (!(await consumeEnrolment(trx, enrolment.id, customer.id, now)))
      return { ok: false, reason: 'invalid' }
    await deps.events.emit(trx, ctx, 'enrolment.redeemed', {
      enrolmentId: enrolment.id,
      customerId: customer.id,
      service,
    })
    await addCustomerService(trx, {
      tenant_id: ctx.tenant.id,
      customer_id: customer.id,
      service,
      enrolment_id: enrolment.id,
      added_by: 'token',
      added_at: now,
    })
    servicesChangedOnCommit(deps, trx, ctx.tenant.id)
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
      if (enrolment.email.toLowerCase() !== input.email.toLowerCase()) {
        await countFailedAttempt(trx, enrolment.id)
        return { ok: false, reason: 'wrongEmail', maskedEmail: maskEmail(enrolment.email) }
      }
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
      await deps.events.emit(trx, asCustomer, 'enrolment.redeemed', {
        enrolmentId: enrolment.id,
        customerId: customer.id,
        service: enrolment.service,
      })
      await addCustomerService(trx, {
        tenant_id: ctx.tenant.id,
        customer_id: customer.id,
        service: enrolment.service,
        enrolment_id: enrolment.id,
        added_by: 'token',
        added_at: now,
      })
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
