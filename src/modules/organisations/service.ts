import type { Knex } from 'knex'
import { withTenant } from '../../db/tenant-scope.ts'
import { audit } from '../../platform/audit.ts'
import type { Clock } from '../../platform/clock.ts'
import type { RequestContext } from '../../platform/context.ts'
import type { I18n } from '../../platform/i18n/index.ts'
import { announceSessionsEnded } from '../../platform/live.ts'
import { mailTo } from '../../platform/mail/links.ts'
import type { Outbox } from '../../platform/mail/outbox.ts'
import type { MemberRole, Permission, Representation } from '../../platform/representation.ts'
import { hashToken, newLinkToken } from '../../platform/tokens.ts'
import { customerContacts, customerRow, displayName, type CustomerRow } from '../accounts/index.ts'
import { createGrantServices } from './grants.service.ts'
import {
  currentMembers,
  currentMembership,
  membershipsOf,
  pendingInvitations,
  type InvitationRow,
  type MemberRow,
} from './repo.ts'

type OrgDeps = { db: Knex; clock: Clock; outbox: Outbox; i18n: I18n }

/** An invitation is good for seven days (like DataHub's), then asks to be sent again. */
export const INVITATION_DAYS = 7

/** How a person stands to an account they may act for. */
export type AccountRole = MemberRole | 'representative'

export interface Grant {
  role: MemberRole
  permissions: readonly Permission[]
}

export interface Colleague extends MemberRow {
  name: string
  email: string
}

export type AcceptOutcome =
  { outcome: 'accepted'; accountId: string } | { outcome: 'invalid' | 'otherEmail' | 'ownAccount' }

/** An administrator's grant lists no permissions: the role holds them all. */
const stored = (grant: Grant) => ({
  role: grant.role,
  permissions: grant.role === 'administrator' ? [] : [...new Set(grant.permissions)],
})

export function createOrganisationServices(deps: OrgDeps) {
  const grants = createGrantServices(deps)
  const inTenant = <T>(ctx: RequestContext, fn: (trx: Knex.Transaction) => Promise<T>) =>
    withTenant(deps.db, ctx.tenant.id, fn)

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
    /** The account's colleagues (its own login not among them) and its open invitations. */
    team(ctx: RequestContext, accountId: string) {
      return inTenant(ctx, async (trx) => {
        const members = await currentMembers(trx, accountId)
        const contacts = await customerContacts(
          trx,
          members.map((m) => m.person_id),
        )
        return {
          members: members.map((m): Colleague => {
            const c = contacts.get(m.person_id)
            return { ...m, name: c?.name ?? '', email: c?.email ?? '' }
          }),
          invitations: await pendingInvitations(trx, accountId, deps.clock.now()),
        }
      })
    },

    colleague(ctx: RequestContext, accountId: string, memberId: string) {
      return inTenant(ctx, async (trx) => {
        const m = await trx('account_members')
          .where({ id: memberId, account_id: accountId })
          .whereNull('ended_at')
          .first<MemberRow | undefined>()
        if (!m) return undefined
        const c = (await customerContacts(trx, [m.person_id])).get(m.person_id)
        return { ...m, name: c?.name ?? '', email: c?.email ?? '' }
      })
    },

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
        const expires = new Date(now.getTime() + INVITATION_DAYS * 86_400_000)
        const [row] = await trx('account_invitations')
          .insert({
            tenant_id: ctx.tenant.id,
            account_id: accountId,
            email,
            ...stored(grant),
            token_hash: hash,
            invited_by: ctx.actor.id,
            created_at: now,
            expires_at: expires,
          })
          .returning<InvitationRow[]>('*')
        await audit(trx, ctx, {
          action: 'organisations.invited',
          targetType: 'customer',
          targetId: accountId,
          details: { email, ...stored(grant) },
        })
        await emailInvitation(trx, ctx, row!, token)
      })
    },

    /** A new link (the old one stops working) and seven more days. */
    resend(ctx: RequestContext, accountId: string, invitationId: string) {
      return inTenant(ctx, async (trx) => {
        const now = deps.clock.now()
        const { token, hash } = newLinkToken()
        const [row] = await trx('account_invitations')
          .where({ id: invitationId, account_id: accountId })
          .whereNull('accepted_at')
          .whereNull('withdrawn_at')
          .update({ token_hash: hash, expires_at: new Date(now.getTime() + INVITATION_DAYS * 86_400_000) })
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
      return inTenant(ctx, async (trx) => {
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

    /** A colleague's role changes: the current membership ends and a new one starts (history kept). */
    change(ctx: RequestContext, accountId: string, memberId: string, grant: Grant) {
      return inTenant(ctx, async (trx) => {
        const now = deps.clock.now()
        const [old] = await trx('account_members')
          .where({ id: memberId, account_id: accountId })
          .whereNull('ended_at')
          .update({ ended_at: now, ended_by: ctx.actor.id })
          .returning<MemberRow[]>('*')
        if (!old) return false
        await trx('account_members').insert({
          tenant_id: ctx.tenant.id,
          account_id: accountId,
          person_id: old.person_id,
          ...stored(grant),
          added_by: ctx.actor.id,
          created_at: now,
        })
        await audit(trx, ctx, {
          action: 'organisations.role-changed',
          targetType: 'customer',
          targetId: accountId,
          details: {
            person: old.person_id,
            from: { role: old.role, permissions: old.permissions },
            to: stored(grant),
          },
        })
        // Open live pages of the colleague close and reconnect under the new rights.
        await announceSessionsEnded(trx, `customer:${old.person_id}`)
        return true
      })
    },

    /** Ends a colleague's access at once: their next request, export or stream finds no membership. */
    remove(ctx: RequestContext, accountId: string, memberId: string) {
      return inTenant(ctx, async (trx) => {
        const [old] = await trx('account_members')
          .where({ id: memberId, account_id: accountId })
          .whereNull('ended_at')
          .update({ ended_at: deps.clock.now(), ended_by: ctx.actor.id })
          .returning<MemberRow[]>('*')
        if (!old) return false
        await audit(trx, ctx, {
          action: 'organisations.removed',
          targetType: 'customer',
          targetId: accountId,
          details: { person: old.person_id },
        })
        await announceSessionsEnded(trx, `customer:${old.person_id}`)
        return true
      })
    },

    /**
     * The account's colleagues who should read what it is written about a service: its
     * administrators, and colleagues with any permission of that service.
     */
    async readersOf(trx: Knex.Transaction, accountId: string, service: string) {
      const members = (await currentMembers(trx, accountId)).filter(
        (m) => m.role === 'administrator' || m.permissions.some((p) => p.startsWith(`${service}:`)),
      )
      const contacts = await customerContacts(
        trx,
        members.map((m) => m.person_id),
      )
      return [...contacts.values()]
    },

    /** Staff's view of one customer: its colleagues and the accounts it is a colleague in, past ones included. */
    peopleOf(ctx: RequestContext, customerId: string) {
      return inTenant(ctx, async (trx) => {
        const rows = await trx('account_members')
          .where({ account_id: customerId })
          .orWhere({ person_id: customerId })
          .orderBy('created_at', 'desc')
          .select<MemberRow[]>('*')
        const names = await customerContacts(
          trx,
          rows.flatMap((m) => [m.account_id, m.person_id]),
        )
        const named = (m: MemberRow, other: string) => ({
          ...m,
          name: names.get(other)?.name ?? '',
          email: names.get(other)?.email ?? '',
        })
        return {
          colleagues: rows.filter((m) => m.account_id === customerId).map((m) => named(m, m.person_id)),
          memberOf: rows.filter((m) => m.person_id === customerId).map((m) => named(m, m.account_id)),
        }
      })
    },

    /** The accounts a person may act for besides their own: as a member (with the role) or a representative. */
    accountsOf(ctx: RequestContext, personId: string) {
      return inTenant(ctx, async (trx) => {
        const memberships = await membershipsOf(trx, personId)
        const represented = (await grants.representedBy(trx, personId)).filter(
          (id) => !memberships.some((m) => m.account_id === id),
        )
        const names = await customerContacts(trx, [...memberships.map((m) => m.account_id), ...represented])
        const accounts: { accountId: string; role: AccountRole }[] = [
          ...memberships.map((m) => ({ accountId: m.account_id, role: m.role })),
          ...represented.map((id) => ({ accountId: id, role: 'representative' as const })),
        ]
        return accounts.map((a) => ({ ...a, name: names.get(a.accountId)?.name ?? '' }))
      })
    },

    /**
     * The account a person acts for and what they may do there, if they still may: as its
     * member, else through grants current at this moment.
     */
    acting(
      ctx: RequestContext,
      personId: string,
      accountId: string,
    ): Promise<{ account: CustomerRow; representation: Representation } | undefined> {
      return inTenant(ctx, async (trx) => {
        const m = await currentMembership(trx, accountId, personId)
        const held = m ? [] : await grants.heldFor(trx, personId, accountId)
        if (!m && !held.length) return undefined
        const account = await customerRow(trx, accountId)
        if (!account || account.status !== 'active') return undefined
        return {
          account,
          representation: {
            accountId,
            accountName: displayName(account),
            role: m?.role ?? 'colleague',
            permissions: m?.permissions ?? held,
            via: m ? 'membership' : 'grant',
          },
        }
      })
    },
  }
}

export type OrganisationServices = ReturnType<typeof createOrganisationServices>
