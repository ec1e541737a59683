import type { Knex } from 'knex'
import { withTenant } from '../../db/tenant-scope.ts'
import type { ReferenceCache } from '../../platform/tenancy/reference-cache.ts'
import { audit } from '../../platform/audit.ts'
import type { Clock } from '../../platform/clock.ts'
import type { RequestContext } from '../../platform/context.ts'
import type { I18n } from '../../platform/i18n/index.ts'
import { mailTo } from '../../platform/mail/links.ts'
import type { Outbox } from '../../platform/mail/outbox.ts'
import { hashToken, newLinkToken } from '../../platform/tokens.ts'
import { customerRow, displayName, type CustomerRow } from '../accounts/index.ts'
import { changingRepresentation, storedGrant, type Grant, type InvitationRow } from './repo.ts'

type InvitationDeps = { db: Knex; clock: Clock; outbox: Outbox; i18n: I18n; reference: ReferenceCache }

/** An invitation is good for seven days (like DataHub's), then asks to be sent again. */
export const INVITATION_DAYS = 7

export type AcceptOutcome =
  { outcome: 'accepted'; accountId: string } | { outcome: 'invalid' | 'otherEmail' | 'ownAccount' }

/** Invitations to act for an account: sent, sent again, withdrawn, shown by their link, accepted. */
export function createInvitationServices(deps: InvitationDeps) {
  const inTenant = <T>(ctx: RequestContext, fn: (trx: Knex.Transaction) => Promise<T>) =>
    withTenant(deps.db, ctx.tenant.id, fn)
  const expiry = () => new Date(deps.clock.now().getTime() + INVITATION_DAYS * 86_400_000)

  async function emailInvitation(
    trx: Knex.Transaction,
    ctx: RequestContext,
    invitation: Pick<InvitationRow, 'email' | 'account_id' | 'expires_at'>,
    token: string,
  ): Promise<void> {
    const [account, inviter] = await Promise.all([
      customerRow(trx, invitation.account_id),
      ctx.actor.id ? customerRow(trx, ctx.actor.id) : undefined,
    ])
    await mailTo(
      trx,
      deps,
      ctx,
      // The invitee may have no login: written in the inviter's language.
      { email: invitation.email, locale: null },
      'organisations.mail.invitation',
      (m) => ({
        account: account ? displayName(account) : '',
        inviter: inviter ? displayName(inviter) : '',
        until: m.fmt.dateTime(invitation.expires_at),
        link: m.link(`/invitations/${token}`),
      }),
    )
  }

  /** A usable invitation by its link's token: not accepted, withdrawn or expired. */
  async function usable(trx: Knex.Transaction, token: string): Promise<InvitationRow | undefined> {
    if (!/^[\w-]{20,100}$/.test(token)) return undefined
    const row = await trx('account_invitations')
      .where({ token_hash: hashToken(token) })
      .first<InvitationRow | undefined>()
    if (!row || row.accepted_at || row.withdrawn_at || row.expires_at <= deps.clock.now()) return undefined
    return row
  }

  return {
    /**
     * Invites an address to act for the account. The same whether or not the address has a
     * login here (nothing tells the inviter which); an earlier open invitation of the same
     * address to the same account is withdrawn, so one link works at a time.
     */
    invite(ctx: RequestContext, accountId: string, email: string, grant: Grant) {
      return inTenant(ctx, async (trx) => {
        const now = deps.clock.now()
        await trx('account_invitations')
          .where({ account_id: accountId })
          .whereRaw('lower(email) = lower(?)', [email])
          .whereNull('accepted_at')
          .whereNull('withdrawn_at')
          .update({ withdrawn_at: now })
        const { token, hash } = newLinkToken()
        const [row] = await trx('account_invitations')
          .insert({
            tenant_id: ctx.tenant.id,
            account_id: accountId,
            email,
            ...storedGrant(grant),
            token_hash: hash,
            invited_by: ctx.actor.id,
            created_at: now,
            expires_at: expiry(),
          })
          .returning<InvitationRow[]>('*')
        await audit(trx, ctx, {
          action: 'organisations.invited',
          targetType: 'customer',
          targetId: accountId,
          details: { email, ...storedGrant(grant) },
        })
        await emailInvitation(trx, ctx, row!, token)
      })
    },

    /** A new link (the old one stops working) and seven more days. */
    resend(ctx: RequestContext, accountId: string, invitationId: string) {
      return inTenant(ctx, async (trx) => {
        const { token, hash } = newLinkToken()
        const [row] = await trx('account_invitations')
          .where({ id: invitationId, account_id: accountId })
          .whereNull('accepted_at')
          .whereNull('withdrawn_at')
          .update({ token_hash: hash, expires_at: expiry() })
          .returning<InvitationRow[]>('*')
        if (!row) return false
        await audit(trx, ctx, {
          action: 'organisations.invitation-resent',
          targetType: 'customer',
          targetId: accountId,
          details: { email: row.email },
        })
        await emailInvitation(trx, ctx, row, token)
        return true
      })
    },

    withdraw(ctx: RequestContext, accountId: string, invitationId: string) {
      return inTenant(ctx, async (trx) => {
        const [row] = await trx('account_invitations')
          .where({ id: invitationId, account_id: accountId })
          .whereNull('accepted_at')
          .whereNull('withdrawn_at')
          .update({ withdrawn_at: deps.clock.now() })
          .returning<InvitationRow[]>('*')
        if (row)
          await audit(trx, ctx, {
            action: 'organisations.invitation-withdrawn',
            targetType: 'customer',
            targetId: accountId,
            details: { email: row.email },
          })
        return Boolean(row)
      })
    },

    /** What an invitation's page shows: whose account and which role, or nothing when unusable. */
    invitation(ctx: RequestContext, token: string) {
      return inTenant(ctx, async (trx) => {
        const row = await usable(trx, token)
        if (!row) return undefined
        const account = await customerRow(trx, row.account_id)
        return account && { ...row, accountName: displayName(account) }
      })
    },

    /**
     * Accepts an invitation as the signed-in person. Only the person it was sent to (the
     * same email address) may, never for their own account; accepting again while a
     * member replaces the role with the invitation's.
     */
    accept(ctx: RequestContext, token: string, person: CustomerRow): Promise<AcceptOutcome> {
      return changingRepresentation(deps, ctx, async (trx) => {
        const row = await usable(trx, token)
        if (!row) return { outcome: 'invalid' as const }
        if (row.email.toLowerCase() !== person.email.toLowerCase()) return { outcome: 'otherEmail' as const }
        if (row.account_id === person.id) return { outcome: 'ownAccount' as const }
        const now = deps.clock.now()
        const taken = await trx('account_invitations')
          .where({ id: row.id })
          .whereNull('accepted_at')
          .update({ accepted_at: now, accepted_by: person.id })
        if (!taken) return { outcome: 'invalid' as const }
        await trx('account_members')
          .where({ account_id: row.account_id, person_id: person.id })
          .whereNull('ended_at')
          .update({ ended_at: now, ended_by: person.id })
        await trx('account_members').insert({
          tenant_id: ctx.tenant.id,
          account_id: row.account_id,
          person_id: person.id,
          role: row.role,
          permissions: row.permissions,
          added_by: row.invited_by,
          created_at: now,
        })
        await audit(trx, ctx, {
          action: 'organisations.joined',
          targetType: 'customer',
          targetId: row.account_id,
          details: { person: person.id, role: row.role, permissions: row.permissions },
        })
        return { outcome: 'accepted' as const, accountId: row.account_id }
      })
    },
  }
}
