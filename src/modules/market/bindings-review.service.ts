import { withTenant } from '../../db/tenant-scope.ts'
import { listPage, type Page } from '../../http/lists.ts'
import { staffRole, type RequestContext } from '../../platform/context.ts'
import { NotFoundError } from '../../platform/errors.ts'
import {
  bindingQuery,
  emailParty,
  loadBinding,
  moveBinding,
  type Binding,
  type BindingRow,
} from './bindings.repo.ts'
import type { MarketDeps } from './registration.service.ts'

/** The centre's list of bindings (drafts are the supplier's own), those awaiting it first. */
export function bindingQueue(
  deps: MarketDeps,
  ctx: RequestContext,
  status: string | undefined,
  page: number,
): Promise<Page<BindingRow>> {
  return listPage(
    deps.db,
    ctx,
    (trx) => {
      const query = bindingQuery(trx)
        .whereNot('b.status', 'draft')
        .orderByRaw(`(b.status = 'awaiting_centre') DESC, b.submitted_at ASC, b.id`)
      if (status) query.where('b.status', status)
      return query
    },
    page,
  )
}

export async function bindingForStaff(deps: MarketDeps, ctx: RequestContext, id: string): Promise<Binding> {
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const found = await loadBinding(trx, id)
    if (found.binding.status === 'draft') throw new NotFoundError('retail binding')
    return found
  })
}

/** The centre approves or rejects (with a reason) a confirmed binding; both parties are emailed. */
export async function decideBinding(
  deps: MarketDeps,
  ctx: RequestContext,
  id: string,
  decision: { to: 'approved' | 'rejected'; comment: string },
) {
  await withTenant(deps.db, ctx.tenant.id, async (trx) => {
    const row = await trx('retail_bindings')
      .where({ id })
      .first<{ supplier_id: string; user_id: string; status: string } | undefined>()
    if (!row || row.status === 'draft') throw new NotFoundError('retail binding')
    await moveBinding(trx, ctx, id, {
      to: decision.to,
      expected: 'awaiting_centre',
      role: staffRole(ctx),
      comment: decision.comment,
      notify: async (t) => {
        for (const party of [row.supplier_id, row.user_id])
          await emailParty(t, deps, ctx, party, decision.to, id, () => ({ comment: decision.comment.trim() }))
      },
    })
    await trx('retail_bindings').where({ id }).update({ decided_at: deps.clock.now() })
  })
}
