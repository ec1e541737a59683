import type { Knex } from 'knex'
import type { Db } from '../../db/knex.ts'
import { withTenant } from '../../db/tenant-scope.ts'
import type { RequestContext } from '../../platform/context.ts'
import type { ReferenceCache } from '../../platform/tenancy/reference-cache.ts'
import type { MemberRole, Permission } from '../../platform/representation.ts'

/** A role with its permissions, as an invitation or a membership holds it. */
export interface Grant {
  role: MemberRole
  permissions: readonly Permission[]
}

/** An administrator's grant lists no permissions: the role holds them all. */
export const storedGrant = (grant: Grant) => ({
  role: grant.role,
  permissions: grant.role === 'administrator' ? [] : [...new Set(grant.permissions)],
})

export interface MemberRow {
  id: string
  account_id: string
  person_id: string
  role: MemberRole
  permissions: Permission[]
  added_by: string | null
  created_at: Date
  ended_at: Date | null
}

export interface InvitationRow {
  id: string
  account_id: string
  email: string
  role: MemberRole
  permissions: Permission[]
  invited_by: string | null
  created_at: Date
  expires_at: Date
  accepted_at: Date | null
  withdrawn_at: Date | null
}

/** A person's current membership in an account, if any (an ended one is history). */
export function currentMembership(db: Db, accountId: string, personId: string) {
  return db('account_members')
    .where({ account_id: accountId, person_id: personId })
    .whereNull('ended_at')
    .first<MemberRow | undefined>()
}

export function currentMembers(db: Db, accountId: string) {
  return db('account_members')
    .where({ account_id: accountId })
    .whereNull('ended_at')
    .orderBy('created_at')
    .select<MemberRow[]>('*')
}

export function pendingInvitations(db: Db, accountId: string, now: Date) {
  return db('account_invitations')
    .where({ account_id: accountId })
    .whereNull('accepted_at')
    .whereNull('withdrawn_at')
    .where('expires_at', '>', now)
    .orderBy('created_at', 'desc')
    .select<InvitationRow[]>('*')
}

/** Every account a person currently acts for besides their own, newest membership first. */
export function membershipsOf(db: Db, personId: string) {
  return db('account_members')
    .where({ person_id: personId })
    .whereNull('ended_at')
    .orderBy('created_at', 'desc')
    .select<MemberRow[]>('*')
}

/**
 * A write to memberships or grants. Whom people may act for is cached per process (see
 * `actingIn`): a trigger tells every process on commit, and this one forgets at its commit,
 * so the writer's next request never sees the old standing.
 */
export function changingRepresentation<T>(
  deps: { db: Knex; reference: ReferenceCache },
  ctx: RequestContext,
  fn: (trx: Knex.Transaction) => Promise<T>,
): Promise<T> {
  return withTenant(deps.db, ctx.tenant.id, (trx) => {
    deps.reference.changedOnCommit(trx, `representation:${ctx.tenant.id}`)
    return fn(trx)
  })
}
