import type { Knex } from 'knex'
import { withTenant } from '../../db/tenant-scope.ts'
import type { ReferenceCache } from '../../platform/tenancy/reference-cache.ts'
import { audit } from '../../platform/audit.ts'
import type { Clock } from '../../platform/clock.ts'
import type { RequestContext } from '../../platform/context.ts'
import type { I18n } from '../../platform/i18n/index.ts'
import { announceSessionsEnded } from '../../platform/live.ts'
import type { Outbox } from '../../platform/mail/outbox.ts'
import type { MemberRole, Permission, Representation } from '../../platform/representation.ts'
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
  changingRepresentation,
  currentMembers,
  currentMembership,
  membershipsOf,
  pendingInvitations,
  storedGrant,
  type Grant,
  type MemberRow,
} from './repo.ts'

/**
 * The longest a process keeps a person's standing without hearing of a change: a bound for
 * the time its listening connection may be down (changes made meanwhile are not heard).
 */
const STANDING_KEPT_MS = 60_000

type OrgDeps = { db: Knex; clock: Clock; outbox: Outbox; i18n: I18n; reference: ReferenceCache }

/** How a person stands to an account they may act for. */
export type AccountRole = MemberRole | 'representative'

export interface Colleague extends MemberRow {
  name: string
  email: string
}

export function createOrganisationServices(deps: OrgDeps) {
  const grants = createGrantServices(deps)

  /** How a person stands towards an account, and until when that holds by itself (ms). */
  interface Standing {
    role: MemberRole
    permissions: readonly Permission[]
    via: Representation['via']
    until: number
  }

  /**
   * The account a person acts for and what they may do there, if they still may: as its
   * member, else through grants current at this moment. The standing is read on every
   * request and cached per process (forgotten on any change of the tenant's memberships or
   * grants, and by itself at a grant's next start or end), so acting costs no query of its
   * own; the account's row is the one loaded with the person, else read here.
   */
  async function actingIn(
    trx: Knex.Transaction,
    tenantId: string,
    personId: string,
    accountId: string,
    loaded?: CustomerRow,
  ): Promise<{ account: CustomerRow; representation: Representation } | undefined> {
    const standing = await deps.reference.get(
      tenantId,
      'representation',
      async (): Promise<Standing | undefined> => {
        const kept = deps.clock.now().getTime() + STANDING_KEPT_MS
        const m = await currentMembership(trx, accountId, personId)
        if (m) return { role: m.role, permissions: m.permissions, via: 'membership', until: kept }
        const held = await grants.heldFor(trx, personId, accountId)
        if (!held.length) return undefined
        const next = await grants.nextChange(trx, personId, accountId)
        const until = Math.min(kept, next?.getTime() ?? Infinity)
        return { role: 'colleague', permissions: held, via: 'grant', until }
      },
      {
        part: `${personId}:${accountId}`,
        fresh: (s) => s !== undefined && deps.clock.now().getTime() < s.until,
      },
    )
    if (!standing) return undefined
    const account = loaded?.id === accountId ? loaded : await customerRow(trx, accountId)
    if (!account || account.status !== 'active') return undefined
    return {
      account,
      representation: {
        accountId,
        accountName: displayName(account),
        role: standing.role,
        permissions: standing.permissions,
        via: standing.via,
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
      return changingRepresentation(deps, ctx, async (trx) => {
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
      return changingRepresentation(deps, ctx, async (trx) => {
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

    /** See `actingIn`; `loaded` is the account's row when the caller has it already. */
    acting(ctx: RequestContext, personId: string, accountId: string, loaded?: CustomerRow) {
      return inTenant(ctx, (trx) => actingIn(trx, ctx.tenant.id, personId, accountId, loaded))
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
    async chosen(trx: Knex.Transaction, tenantId: string, personId: string): Promise<string | undefined> {
      const choice = await trx('acting_choices')
        .where({ person_id: personId })
        .first<{ account_id: string | null } | undefined>('account_id')
      if (!choice?.account_id) return undefined
      return (await actingIn(trx, tenantId, personId, choice.account_id)) ? choice.account_id : undefined
    },
  }
}

export type OrganisationServices = ReturnType<typeof createOrganisationServices>
