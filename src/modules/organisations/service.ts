import type { Knex } from 'knex'
import { withTenant } from '../../db/tenant-scope.ts'
import { audit } from '../../platform/audit.ts'
import type { Clock } from '../../platform/clock.ts'
import type { RequestContext } from '../../platform/context.ts'
import type { I18n } from '../../platform/i18n/index.ts'
import { announceSessionsEnded } from '../../platform/live.ts'
import type { Outbox } from '../../platform/mail/outbox.ts'
import type { MemberRole, Representation } from '../../platform/representation.ts'
import {
  customerContact,
  customerContacts,
  customerRow,
  displayName,
  type CustomerRow,
} from '../accounts/index.ts'
import { createGrantServices } from './grants.service.ts'
import { createInvitationServices } from './invitations.service.ts'
import {
  currentMembers,
  currentMembership,
  membershipsOf,
  pendingInvitations,
  storedGrant,
  type Grant,
  type MemberRow,
} from './repo.ts'

type OrgDeps = { db: Knex; clock: Clock; outbox: Outbox; i18n: I18n }

/** How a person stands to an account they may act for. */
export type AccountRole = MemberRole | 'representative'

export interface Colleague extends MemberRow {
  name: string
  email: string
}

export function createOrganisationServices(deps: OrgDeps) {
  const grants = createGrantServices(deps)

  /**
   * The account a person acts for and what they may do there, if they still may: as its
   * member, else through grants current at this moment.
   */
  async function actingIn(
    trx: Knex.Transaction,
    personId: string,
    accountId: string,
  ): Promise<{ account: CustomerRow; representation: Representation } | undefined> {
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
  }

  const inTenant = <T>(ctx: RequestContext, fn: (trx: Knex.Transaction) => Promise<T>) =>
    withTenant(deps.db, ctx.tenant.id, fn)

  return {
    ...createInvitationServices(deps),

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
          ...storedGrant(grant),
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
            to: storedGrant(grant),
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
      const contacts = await customerContacts(trx, [
        ...members.map((m) => m.person_id),
        ...(await grants.notifiedOf(trx, accountId, service)),
      ])
      return [...contacts.values()]
    },

    /**
     * Staff's page of one customer: who they are, the account's colleagues and the accounts
     * this login is a colleague in, and the grants it gave and holds — past ones included.
     * Undefined when there is no such customer here.
     */
    staffView(ctx: RequestContext, customerId: string) {
      return inTenant(ctx, async (trx) => {
        const subject = await customerContact(trx, customerId)
        if (!subject) return undefined
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
          subject,
          colleagues: rows.filter((m) => m.account_id === customerId).map((m) => named(m, m.person_id)),
          memberOf: rows.filter((m) => m.person_id === customerId).map((m) => named(m, m.account_id)),
          ...(await grants.ofCustomer(trx, customerId)),
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

    /** See `actingIn`. */
    acting(ctx: RequestContext, personId: string, accountId: string) {
      return inTenant(ctx, (trx) => actingIn(trx, personId, accountId))
    },

    /** The person's choice of whom to act for, kept for their next sign-in (null: their own account). */
    choose(ctx: RequestContext, personId: string, accountId: string | null) {
      return inTenant(ctx, async (trx) => {
        await trx('acting_choices')
          .insert({
            tenant_id: ctx.tenant.id,
            person_id: personId,
            account_id: accountId,
            chosen_at: deps.clock.now(),
          })
          .onConflict(['tenant_id', 'person_id'])
          .merge(['account_id', 'chosen_at'])
      })
    },

    /** The account a person chose last time, in the caller's transaction, if they still may act for it. */
    async chosen(trx: Knex.Transaction, personId: string): Promise<string | undefined> {
      const choice = await trx('acting_choices')
        .where({ person_id: personId })
        .first<{ account_id: string | null } | undefined>('account_id')
      if (!choice?.account_id) return undefined
      return (await actingIn(trx, personId, choice.account_id)) ? choice.account_id : undefined
    },
  }
}

export type OrganisationServices = ReturnType<typeof createOrganisationServices>
