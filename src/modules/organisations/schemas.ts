import { z } from 'zod'
import { Email } from '../../platform/identity-fields.ts'
import { isPermission } from '../../platform/representation.ts'
import type { ServiceCode } from '../../platform/tenancy/settings.ts'
import { isRealDay } from '../../platform/time/intervals.ts'

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

const day = z.string(e('day')).trim().refine(isRealDay, e('day'))

/**
 * Representation offered to another account: one service of the tenant's, at least one of
 * its permissions, whole days from today on, the last day included.
 */
export const GrantOfferForm = (services: readonly ServiceCode[], today: string) =>
  z
    .object({
      email: Email,
      service: z.enum(services as [ServiceCode, ...ServiceCode[]], e('service')),
      permissions: z.preprocess(list, z.array(z.string())),
      from: day.refine((d) => !isRealDay(d) || d >= today, e('fromPast')),
      until: day,
      notify: z
        .unknown()
        .optional()
        .transform((v) => v === 'yes'),
    })
    .refine((g) => !isRealDay(g.from) || !isRealDay(g.until) || g.until >= g.from, {
      path: ['until'],
      message: e('periodOrder'),
    })
    .refine((g) => g.permissions.length > 0, { path: ['permissions'], message: e('permissionsNone') })
    .refine((g) => g.permissions.every((p) => isPermission(p) && p.startsWith(`${g.service}:`)), {
      path: ['permissions'],
      message: e('permissionsOfService'),
    })
    .transform((g) => ({ ...g, permissions: g.permissions.filter(isPermission) }))
