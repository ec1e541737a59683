import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js'
import { z } from 'zod'
import { PASSWORD_MAX, passwordProblem } from './passwords.ts'
import type { Tenant } from './tenancy/settings.ts'
import { CONTROL_CHARACTERS, SINGLE_LINE } from './text.ts'

/**
 * Form fields every kind of account uses (customers and staff): an email address and a
 * new password under the tenant's policy. Messages are i18n keys under accounts.errors.
 */
const e = (key: string) => `accounts.errors.${key}`

export const Email = z
  .string(e('emailRequired'))
  .trim()
  .regex(SINGLE_LINE, CONTROL_CHARACTERS)
  .min(1, e('emailRequired'))
  .max(254, e('emailFormat'))
  .pipe(z.email(e('emailFormat')))

/** A phone number valid for the tenant's region (or written with its country code), stored as E.164. */
export function Phone(tenant: Tenant, required = true) {
  return z
    .string()
    .trim()
    .regex(SINGLE_LINE, CONTROL_CHARACTERS)
    .min(required ? 1 : 0, e('phoneRequired'))
    .transform((value, ctx) => {
      if (!value) return null
      const parsed = parsePhoneNumberFromString(value, tenant.settings.phoneRegion as CountryCode)
      if (!parsed?.isValid()) {
        ctx.addIssue({ code: 'custom', message: e('phoneFormat') })
        return z.NEVER
      }
      return parsed.number
    })
}

/** zod runs a refinement even when other fields failed, so every problem is shown at once. */
export const always = { when: () => true }

/** The tenant's password policy, with the tenant's name and the person's own words as context. */
export function newPassword(tenant: Tenant, contextOf: (data: Record<string, unknown>) => string[]) {
  return (data: Record<string, unknown>, ctx: z.RefinementCtx) => {
    if (typeof data.password !== 'string' || data.password === '') return
    const problem = passwordProblem(data.password, tenant.settings.passwordPolicy, [
      tenant.settings.name,
      ...contextOf(data),
    ])
    if (problem) ctx.addIssue({ code: 'custom', path: ['password'], message: e(`password.${problem}`) })
    else if (data.password !== data.passwordConfirm) {
      ctx.addIssue({ code: 'custom', path: ['passwordConfirm'], message: e('passwordMismatch') })
    }
  }
}

export const emailName = (email: unknown) => (typeof email === 'string' ? [email.split('@')[0] ?? ''] : [])

export const password = z
  .string()
  .min(1, e('passwordRequired'))
  .max(PASSWORD_MAX * 4, e('password.tooLong'))

/** A new password and its confirmation (reset links, set-password links). */
export function newPasswordFields(tenant: Tenant, email: string) {
  return z.object({ password, passwordConfirm: z.string() }).superRefine(
    newPassword(tenant, () => emailName(email)),
    always,
  )
}
