import { z } from 'zod'

export const ACTOR_TYPES = ['customer', 'operator', 'system', 'platform', 'anonymous'] as const

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .optional()
  .catch(undefined)

/** The audit page's filters, from the query string; a value that does not fit is dropped. */
export const AuditFilters = z.object({
  actor: z.enum(ACTOR_TYPES).optional().catch(undefined),
  action: z.string().trim().max(100).optional().catch(undefined),
  from: day,
  to: day,
  order: z.enum(['newest', 'oldest']).catch('newest'),
})
export type AuditFilters = z.infer<typeof AuditFilters>
