import type { Db } from '../../db/knex.ts'
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
