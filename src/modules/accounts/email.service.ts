import { isUniqueViolation } from '../../db/knex.ts'
import { withTenant } from '../../db/tenant-scope.ts'
import type { RequestContext } from '../../platform/context.ts'
import { audit } from '../../platform/audit.ts'
import { verifyPassword } from '../../platform/passwords.ts'
import { hashToken } from '../../platform/tokens.ts'
import { mailCustomer, portalLink } from '../../platform/mail/links.ts'
import { consumeToken, findCustomer, findCustomerByEmail, issueToken, updateCustomer } from './repo.ts'
import type { AccountsDeps } from './registration.service.ts'

const CHANGE_EMAIL_HOURS = 24

/**
 * Starts an email change: the new address gets a confirmation link, the old one a notice.
 * An address that already has an account is told so instead, and the answer to the user
 * is the same either way.
 */
export async function requestEmailChange(
  deps: AccountsDeps,
  ctx: RequestContext,
  customerId: string,
  input: { newEmail: string; currentPassword: string },
): Promise<'sent' | 'wrongPassword'> {
  const now = deps.clock.now()
  const customer = await withTenant(deps.db, ctx.tenant.id, (trx) => findCustomer(trx, customerId))
  if (!customer) throw new Error('signed-in customer not found')
  if (!(await verifyPassword(customer.password_hash, input.currentPassword)).ok) return 'wrongPassword'
  await withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const taken = await findCustomerByEmail(trx, input.newEmail)
    if (taken) {
      await mailCustomer(
        trx,
        deps.outbox,
        ctx,
        taken,
        'email-in-use',
        { link: portalLink(ctx, '/login') },
        input.newEmail,
      )
    } else {
      const token = await issueToken(trx, customer, 'change_email', now, CHANGE_EMAIL_HOURS * 3_600_000, {
        email: input.newEmail,
      })
      await mailCustomer(
        trx,
        deps.outbox,
        ctx,
        customer,
        'confirm-new-email',
        { link: portalLink(ctx, `/account/email/confirm/${token}`), hours: CHANGE_EMAIL_HOURS },
        input.newEmail,
      )
    }
    await mailCustomer(trx, deps.outbox, ctx, customer, 'email-change-requested', {
      newEmail: input.newEmail,
      supportEmail: ctx.tenant.settings.supportEmail,
    })
    await audit(trx, ctx, {
      action: 'customer.email-change-requested',
      targetType: 'customer',
      targetId: customer.id,
    })
  })
  return 'sent'
}

/** The POST from the new address's link: switches the login to it, once. */
export async function confirmEmailChange(
  deps: AccountsDeps,
  ctx: RequestContext,
  token: string,
): Promise<boolean> {
  const now = deps.clock.now()
  try {
    return await withTenant(deps.db, ctx.tenant.id, async (trx) => {
      const used = await consumeToken(trx, 'change_email', hashToken(token), now)
      const email = used?.data.email
      if (!used || typeof email !== 'string') return false
      const customer = await findCustomer(trx, used.customer_id)
      if (!customer || customer.status !== 'active') return false
      await updateCustomer(deps, trx, customer.id, { email })
      await mailCustomer(trx, deps.outbox, ctx, customer, 'email-changed', {
        newEmail: email,
        supportEmail: ctx.tenant.settings.supportEmail,
      })
      await audit(
        trx,
        { ...ctx, actor: { type: 'customer', id: customer.id } },
        { action: 'customer.email-changed', targetType: 'customer', targetId: customer.id },
      )
      return true
    })
  } catch (err) {
    // The address was taken by another registration after the link was sent.
    if (isUniqueViolation(err, 'customers_email_uq')) return false
    throw err
  }
}
