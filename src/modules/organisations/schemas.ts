import { z } from 'zod'
import { Email } from '../../platform/identity-fields.ts'
import { isPermission } from '../../platform/representation.ts'

/** Messages are i18n keys under organisations.errors. */
const e = (key: string) => `organisations.errors.${key}`

/** Checkboxes post nothing, one value, or several. */
const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? (v as unknown[]) : [v])

/** A role with its permissions: a colleague needs at least one, an administrator has all. */
export const GrantForm = z
  .object({
    role: z.enum(['administrator', 'colleague'], e('role')),
    permissions: z.preprocess(
      list,
      z
        .array(z.string())
        .refine((all) => all.every(isPermission), e('permissions'))
        .transform((all) => all.filter(isPermission)),
    ),
  })
  .refine((g) => g.role === 'administrator' || g.permissions.length > 0, {
    path: ['permissions'],
    message: e('permissionsNone'),
  })

export const InviteForm = z.intersection(z.object({ email: Email }), GrantForm)
