import type { Knex } from 'knex'
import { NotFoundError } from '../../platform/errors.ts'
import { attachmentsOf, type Attachment } from '../../platform/files/attachments.ts'
import { statusHistory, type HistoryEntry } from '../../platform/workflow/index.ts'

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

/** The other party's account (for their email). */
export const customerOfMember = async (trx: Knex.Transaction, memberId: string) =>
  (await trx('market_members').where({ id: memberId }).first<{ customer_id: string }>('customer_id'))
    .customer_id

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
