import { servicesSettings } from './settings.ts'
import { claimSubmission } from '../../platform/submissions.ts'
import type { Knex } from 'knex'
import { withTenant } from '../../db/tenant-scope.ts'
import type { RequestContext } from '../../platform/context.ts'
import { audit } from '../../platform/audit.ts'
import type { Clock } from '../../platform/clock.ts'
import type { DomainEvents } from '../../platform/events.ts'
import type { Outbox } from '../../platform/mail/outbox.ts'
import type { ReferenceCache } from '../../platform/tenancy/reference-cache.ts'
import { hashTypedToken, newTypedToken } from '../../platform/typed-token.ts'
import { portalLink } from '../../platform/mail/links.ts'
import {
  findEnrolment,
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
