import { z } from 'zod'
import { filterDay, filterText } from '../../http/filters.ts'

export const ACTOR_TYPES = ['customer', 'operator', 'system', 'platform', 'anonymous'] as const

/**
 * The audit page's filters, from the query string: a choice that does not fit is dropped,
 * a typed date or text that does not is a message beside its field.
 */
export const AuditFilters = z.object({
  actor: z.enum(ACTOR_TYPES).optional().catch(undefined),
  action: filterText(100),
  from: filterDay,
  to: filterDay,
  order: z.enum(['newest', 'oldest']).catch('newest'),
})
export type AuditFilters = z.infer<typeof AuditFilters>
