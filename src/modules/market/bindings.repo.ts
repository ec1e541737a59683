import type { Knex } from 'knex'
import { NotFoundError } from '../../platform/errors.ts'
import { attachmentsOf, type Attachment } from '../../platform/files/attachments.ts'
import type { RequestContext } from '../../platform/context.ts'
import type { I18n } from '../../platform/i18n/index.ts'
import type { MailWriting } from '../../platform/mail/links.ts'
import type { DomainEvents } from '../../platform/events.ts'
import type { Outbox } from '../../platform/mail/outbox.ts'
import {
  applyTransition,
  statusHistory,
  type HistoryEntry,
  type TransitionRequest,
} from '../../platform/workflow/index.ts'
import { emailCustomer } from '../accounts/index.ts'
import { BINDING_WORKFLOW } from './workflow.ts'

export const BINDING_OWNER = 'retail-binding'

export interface BindingRow {
  id: string
  supplier_id: string
  user_id: string
  from: string
  to: string
  contract_ref: string
  status: string
  ended_on: string | null
  ended_by: string | null
  submitted_at: Date | null
  decided_at: Date | null
  created_at: Date
  supplier_name: string
  user_name: string
}

export interface Binding {
  binding: BindingRow
  attachments: Attachment[]
  history: HistoryEntry[]
  /** The signed-in customer's side of it (absent for staff). */
  side?: 'supplier' | 'user'
}

/** Bindings with their period as inclusive days and both parties' names. */
export function bindingQuery(trx: Knex.Transaction) {
  return trx('retail_bindings as b')
    .join('market_members as s', function () {
      this.on('s.id', 'b.supplier_id').andOn('s.tenant_id', 'b.tenant_id')
    })
    .join('market_members as u', function () {
      this.on('u.id', 'b.user_id').andOn('u.tenant_id', 'b.tenant_id')
    })
    .select(
      'b.id',
      'b.supplier_id',
      'b.user_id',
      trx.raw(`lower(b.period)::text AS "from"`),
      trx.raw(`(upper(b.period) - 1)::text AS "to"`),
      'b.contract_ref',
      'b.status',
      trx.raw('b.ended_on::text AS ended_on'),
      'b.ended_by',
      'b.submitted_at',
      'b.decided_at',
      'b.created_at',
      's.company_name as supplier_name',
      'u.company_name as user_name',
    )
}

/**
 * Tells one party of a binding about it (`market.mail.binding.<event>`), in the caller's
 * transaction, with a link to the binding's page.
 */
export async function emailParty(
  trx: Knex.Transaction,
  deps: { outbox: Outbox; i18n: I18n; events: DomainEvents },
  ctx: RequestContext,
  memberId: string,
  event: string,
  bindingId: string,
  params: (m: MailWriting) => Record<string, unknown> = () => ({}),
): Promise<void> {
  const member = await trx('market_members')
    .where({ id: memberId })
    .first<{ customer_id: string }>('customer_id')
  await emailCustomer(trx, deps, ctx, member.customer_id, `market.mail.binding.${event}`, (m) => ({
    ...params(m),
    link: m.link(`/services/market/bindings/${bindingId}`),
  }))
}

/** The one way a binding's status moves: the workflow engine on its row. */
export const moveBinding = (
  trx: Knex.Transaction,
  ctx: RequestContext,
  id: string,
  request: TransitionRequest,
) =>
  applyTransition(trx, ctx, BINDING_WORKFLOW, { table: 'retail_bindings', type: BINDING_OWNER, id }, request)

/** A binding with its contract and its history. */
export async function loadBinding(trx: Knex.Transaction, id: string): Promise<Omit<Binding, 'side'>> {
  const binding = await bindingQuery(trx).where('b.id', id).first<BindingRow | undefined>()
  if (!binding) throw new NotFoundError('retail binding')
  return {
    binding,
    attachments: await attachmentsOf(trx, { type: BINDING_OWNER, id }),
    history: await statusHistory(trx, { type: BINDING_OWNER, id }),
  }
}
