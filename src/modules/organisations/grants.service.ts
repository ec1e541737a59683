import type { Knex } from 'knex'
import { withTenant } from '../../db/tenant-scope.ts'
import { changingRepresentation } from './repo.ts'
import type { ReferenceCache } from '../../platform/tenancy/reference-cache.ts'
import { audit } from '../../platform/audit.ts'
import type { Clock } from '../../platform/clock.ts'
import type { RequestContext } from '../../platform/context.ts'
import { InvalidFieldError } from '../../platform/errors.ts'
import type { I18n } from '../../platform/i18n/index.ts'
import { announceSessionsEnded } from '../../platform/live.ts'
import { mailTo } from '../../platform/mail/links.ts'
import type { Outbox } from '../../platform/mail/outbox.ts'
import { may, type MemberRole, type Permission } from '../../platform/representation.ts'
import type { ServiceCode } from '../../platform/tenancy/settings.ts'
import { customerContacts, customerRow, displayName, type CustomerRow } from '../accounts/index.ts'

type GrantDeps = { db: Knex; clock: Clock; outbox: Outbox; i18n: I18n; reference: ReferenceCache }

export type GrantStatus = 'offered' | 'active' | 'declined' | 'ended'

export interface GrantRow {
  id: string
  grantor_id: string
  representative_email: string
  representative_id: string | null
  service: ServiceCode
  permissions: Permission[]
  notify: boolean
  starts: Date | null
  ends: Date | null
  status: GrantStatus
  created_at: Date
  accepted_at: Date | null
  ended_at: Date | null
  ended_by: string | null
  end_reason: string | null
}

export interface GrantOffer {
  email: string
  service: ServiceCode
  permissions: readonly Permission[]
  /** [starts, ends): the tenant's midnights of the first day and of the day after the last. */
  starts: Date
  ends: Date
  /** The representative gets copies of what the account is emailed about the service. */
  notify: boolean
}

/** A grant as a side sees it: the other party's name, and whether it holds now. */
export interface GrantView extends GrantRow {
  party: string
  /** Acting under it is possible right now. */
  current: boolean
  /** Not ended and not past its end: either side may still end it. */
  open: boolean
  /** Accepted, but its days are over. */
  expired: boolean
  /** The last day it covers (the instant before its end), none when it kept no days. */
  last: Date | null
}

/** The columns every read takes: the period as its two bounds (an ended-early grant may be empty). */
const COLUMNS = [
  'id',
  'grantor_id',
  'representative_email',
  'representative_id',
  'service',
  'permissions',
  'notify',
  'status',
  'created_at',
  'accepted_at',
  'ended_at',
  'ended_by',
  'end_reason',
] as const

function grants(trx: Knex.Transaction) {
  return trx('representation_grants').select(
    ...COLUMNS,
    trx.raw('lower(period) AS starts'),
    trx.raw('upper(period) AS ends'),
  )
}

/** The database's refusal of a second PGB scheduler over the same days, said beside the period. */
function overlapRefused(err: unknown): never {
  if ((err as { code?: string }).code === '23P01')
    throw new InvalidFieldError('from', 'organisations.errors.overlap')
  throw err
}

/**
 * Representation between accounts (issue 21 item 5). A grant is offered to an email
 * address — the same whether or not an account has it — and the account behind it
 * accepts. What a grant allows holds only while `now` is inside its period: an expired
 * grant needs no job to end it.
 */
export function createGrantServices(deps: GrantDeps) {
  const inTenant = <T>(ctx: RequestContext, fn: (trx: Knex.Transaction) => Promise<T>) =>
    withTenant(deps.db, ctx.tenant.id, fn)
  const isCurrent = (g: GrantRow, now: Date) =>
    g.status === 'active' && g.starts !== null && g.ends !== null && g.starts <= now && now < g.ends

  async function viewed(trx: Knex.Transaction, rows: GrantRow[], side: 'grantor' | 'representative') {
    const ids = rows.map((g) => (side === 'grantor' ? g.representative_id : g.grantor_id)).filter(Boolean)
    const names = await customerContacts(trx, ids as string[])
    const now = deps.clock.now()
    return rows.map((g): GrantView => ({
      ...g,
      party:
        side === 'grantor'
          ? (g.representative_id && names.get(g.representative_id)?.name) || g.representative_email
          : (names.get(g.grantor_id)?.name ?? ''),
      current: isCurrent(g, now),
      open: (g.status === 'offered' || g.status === 'active') && g.ends !== null && g.ends > now,
      expired: g.status === 'active' && g.ends !== null && g.ends <= now,
      last: g.starts && g.ends && g.ends > g.starts ? new Date(g.ends.getTime() - 1) : null,
    }))
  }

  /**
   * Ends one open grant that `whose` allows: its period cut at now (a grant that had not
   * begun keeps no days), the row kept, audited, and the representative's open pages closed.
   */
  async function endOne(
    trx: Knex.Transaction,
    ctx: RequestContext,
    id: string,
    by: 'grantor' | 'representative' | 'operator',
    reason: string | null,
    whose: (q: Knex.QueryBuilder) => void,
  ): Promise<boolean> {
    const now = deps.clock.now()
    const [row] = await trx('representation_grants')
      .where({ id })
      .where(whose)
      .whereIn('status', ['offered', 'active'])
      .whereRaw('upper(period) > ?', [now])
      .update({
        status: 'ended',
        ended_at: now,
        ended_by: by,
        end_reason: reason,
        period: trx.raw(`tstzrange(lower(period), greatest(lower(period), ?::timestamptz), '[)')`, [now]),
      })
      .returning<{ grantor_id: string; representative_id: string | null }[]>([
        'grantor_id',
        'representative_id',
      ])
    if (!row) return false
    await audit(trx, ctx, {
      action: 'organisations.grant-ended',
      targetType: 'customer',
      targetId: row.grantor_id,
      details: { grant: id, by, ...(reason ? { reason } : {}) },
    })
    // The representative's open pages close, and those of the people acting for it as its colleagues.
    if (row.representative_id) {
      const colleagues = await trx('account_members')
        .where({ account_id: row.representative_id })
        .whereNull('ended_at')
        .pluck<string[]>('person_id')
      for (const person of [row.representative_id, ...colleagues])
        await announceSessionsEnded(trx, `customer:${person}`)
    }
    return true
  }

  /**
   * What a person may do, by grantor, through the grants current at this moment: those
   * their own account holds, and those held by an account (an installer firm) they are a
   * current member of — all of such a grant for the firm's administrators, for a colleague
   * only what their role in the firm also allows. A grantor with nothing left is left out.
   */
  /** A person's grants: held by their own account, or by a firm they are a current member of. */
  const theirs = (trx: Knex.Transaction, personId: string) =>
    trx('representation_grants as g')
      .leftJoin('account_members as m', function () {
        this.on('m.tenant_id', 'g.tenant_id')
          .andOn('m.account_id', 'g.representative_id')
          .andOnVal('m.person_id', personId)
          .andOnNull('m.ended_at')
      })
      .where((w) => void w.where('g.representative_id', personId).orWhereNotNull('m.id'))

  async function held(trx: Knex.Transaction, personId: string, grantorId?: string) {
    const rows = await theirs(trx, personId)
      .where({ 'g.status': 'active' })
      .whereRaw('g.period @> ?::timestamptz', [deps.clock.now()])
      .modify((q) => void (grantorId ? q.where('g.grantor_id', grantorId) : q))
      .select<
        {
          grantor_id: string
          permissions: Permission[]
          role: MemberRole | null
          member_permissions: Permission[] | null
        }[]
      >('g.grantor_id', 'g.permissions', 'm.role', 'm.permissions as member_permissions')
    const byGrantor = new Map<string, Set<Permission>>()
    for (const row of rows) {
      const own = row.role === null || row.role === 'administrator'
      const firm = { role: row.role ?? 'colleague', permissions: row.member_permissions ?? [] } as const
      for (const p of row.permissions)
        if (own || may(firm, p))
          byGrantor.set(row.grantor_id, (byGrantor.get(row.grantor_id) ?? new Set()).add(p))
    }
    return new Map([...byGrantor].map(([id, ps]) => [id, [...ps]]))
  }

  return {
    /** The grants an account made, newest period first, with who represents it. */
    grantsBy(ctx: RequestContext, grantorId: string) {
      return inTenant(ctx, async (trx) =>
        viewed(
          trx,
          await grants(trx)
            .where({ grantor_id: grantorId })
            .orderByRaw('lower(period) DESC, created_at DESC'),
          'grantor',
        ),
      )
    },

    /** What a person is offered (to their address) and the grants they hold. */
    grantsTo(ctx: RequestContext, person: CustomerRow) {
      return inTenant(ctx, async (trx) => {
        const rows: GrantRow[] = await grants(trx)
          .where((q) => {
            void q.where({ representative_id: person.id }).orWhere((o) => {
              void o
                .where({ status: 'offered' })
                .whereRaw('lower(representative_email) = lower(?)', [person.email])
            })
          })
          .whereNot({ grantor_id: person.id })
          .orderByRaw('lower(period) DESC, created_at DESC')
        const now = deps.clock.now()
        const views = await viewed(trx, rows, 'representative')
        return {
          offers: views.filter((g) => g.status === 'offered' && g.ends !== null && g.ends > now),
          held: views.filter((g) => g.status !== 'offered'),
        }
      })
    },

    offer(ctx: RequestContext, grantorId: string, offer: GrantOffer) {
      return changingRepresentation(deps, ctx, async (trx) => {
        const [row] = await trx('representation_grants')
          .insert({
            tenant_id: ctx.tenant.id,
            grantor_id: grantorId,
            representative_email: offer.email,
            service: offer.service,
            permissions: [...new Set(offer.permissions)],
            notify: offer.notify,
            period: trx.raw(`tstzrange(?, ?, '[)')`, [offer.starts, offer.ends]),
            created_by: ctx.actor.id,
            created_at: deps.clock.now(),
          })
          .returning<{ id: string }[]>('id')
          .catch(overlapRefused)
        await audit(trx, ctx, {
          action: 'organisations.grant-offered',
          targetType: 'customer',
          targetId: grantorId,
          details: {
            grant: row!.id,
            email: offer.email,
            service: offer.service,
            permissions: offer.permissions,
            notify: offer.notify,
          },
        })
        const grantor = await customerRow(trx, grantorId)
        await mailTo(
          trx,
          deps,
          ctx,
          { email: offer.email, locale: null },
          'organisations.mail.grantOffered',
          (m) => ({
            account: grantor ? displayName(grantor) : '',
            service: m.t(`services.${offer.service}.name`),
            from: m.fmt.date(offer.starts),
            until: m.fmt.date(new Date(offer.ends.getTime() - 1)),
            link: m.link('/account/represented'),
          }),
        )
        return row!.id
      })
    },

    /** The addressee accepts an offer that has not ended; never for their own account. */
    accept(ctx: RequestContext, id: string, person: CustomerRow) {
      return changingRepresentation(deps, ctx, async (trx) => {
        const updated = await trx('representation_grants')
          .where({ id, status: 'offered' })
          .whereRaw('lower(representative_email) = lower(?)', [person.email])
          .whereNot({ grantor_id: person.id })
          .whereRaw('upper(period) > ?', [deps.clock.now()])
          .update({ status: 'active', representative_id: person.id, accepted_at: deps.clock.now() })
          .returning<{ grantor_id: string }[]>('grantor_id')
        if (!updated.length) return false
        await audit(trx, ctx, {
          action: 'organisations.grant-accepted',
          targetType: 'customer',
          targetId: updated[0]!.grantor_id,
          details: { grant: id },
        })
        return true
      })
    },

    /** The addressee declines: the offer is gone and its days are free again. */
    decline(ctx: RequestContext, id: string, person: CustomerRow) {
      return changingRepresentation(deps, ctx, async (trx) => {
        const n = await trx('representation_grants')
          .where({ id, status: 'offered' })
          .whereRaw('lower(representative_email) = lower(?)', [person.email])
          .update({ status: 'declined', ended_at: deps.clock.now(), ended_by: 'representative' })
        return n > 0
      })
    },

    /**
     * Either side ends a grant at once (see `endOne`).
     */
    end(ctx: RequestContext, id: string, side: 'grantor' | 'representative', accountId: string) {
      return changingRepresentation(deps, ctx, (trx) =>
        endOne(trx, ctx, id, side, null, (q) => {
          void q.where(side === 'grantor' ? 'grantor_id' : 'representative_id', accountId)
        }),
      )
    },

    /** Staff's view of one customer, in the caller's transaction: the grants it gave and those it holds, past ones included. */
    async ofCustomer(trx: Knex.Transaction, customerId: string) {
      const newestFirst = 'lower(period) DESC, created_at DESC'
      const given: GrantRow[] = await grants(trx).where({ grantor_id: customerId }).orderByRaw(newestFirst)
      const held: GrantRow[] = await grants(trx)
        .where({ representative_id: customerId })
        .orderByRaw(newestFirst)
      return { given: await viewed(trx, given, 'grantor'), held: await viewed(trx, held, 'representative') }
    },

    /** Staff end a grant of the customer's (either side), with the reason, audited. */
    endByStaff(ctx: RequestContext, customerId: string, id: string, reason: string) {
      return changingRepresentation(deps, ctx, (trx) =>
        endOne(trx, ctx, id, 'operator', reason, (q) => {
          void q.where({ grantor_id: customerId }).orWhere({ representative_id: customerId })
        }),
      )
    },

    /** The permissions a person holds for an account through grants current at this moment (see `held`). */
    async heldFor(trx: Knex.Transaction, personId: string, accountId: string): Promise<Permission[]> {
      return (await held(trx, personId, accountId)).get(accountId) ?? []
    },

    /**
     * When what a person holds from `grantorId` next changes by itself: the soonest start
     * or end, after now, of the grants that concern them (undefined: never).
     */
    async nextChange(trx: Knex.Transaction, personId: string, grantorId: string): Promise<Date | undefined> {
      const now = deps.clock.now()
      const row = await theirs(trx, personId)
        .where({ 'g.status': 'active', 'g.grantor_id': grantorId })
        .whereRaw('upper(g.period) > ?', [now])
        .first<{ at: Date | null } | undefined>(
          trx.raw('min(CASE WHEN lower(g.period) > ? THEN lower(g.period) ELSE upper(g.period) END) AS at', [
            now,
          ]),
        )
      return row?.at ?? undefined
    },

    /** The representatives whose current grant of `service` asks for copies of the account's emails about it. */
    async notifiedOf(trx: Knex.Transaction, accountId: string, service: string): Promise<string[]> {
      return trx('representation_grants')
        .where({ grantor_id: accountId, service, status: 'active', notify: true })
        .whereNotNull('representative_id')
        .whereRaw('period @> ?::timestamptz', [deps.clock.now()])
        .distinct()
        .pluck<string[]>('representative_id')
    },

    /** The accounts a person represents at this moment (see `held`). */
    async representedBy(trx: Knex.Transaction, personId: string): Promise<string[]> {
      return [...(await held(trx, personId)).keys()]
    },
  }
}

export type GrantServices = ReturnType<typeof createGrantServices>
