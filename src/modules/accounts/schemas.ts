import { CONTROL_CHARACTERS, SINGLE_LINE } from '../../platform/text.ts'
import { z } from 'zod'
import { IDENTIFIERS, normaliseIdentifier } from '../../platform/identifiers/index.ts'
import { isLocale } from '../../platform/i18n/locales.ts'
import { PASSWORD_MAX } from '../../platform/passwords.ts'
import type { Tenant } from '../../platform/tenancy/settings.ts'
import { Email, Phone, always, emailName, newPassword, password } from '../../platform/identity-fields.ts'

/** Messages are i18n keys under accounts.errors. */
const e = (key: string) => `accounts.errors.${key}`

/**
 * Cross-field checks run even when single fields already failed (zod's `when`), so the
 * user sees every problem at once. They read the raw values defensively for that reason.
 */
const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '')

const consent = z.literal('yes', e('consentRequired'))
const category = z.enum(['legal', 'individual'], e('categoryRequired'))

const identifierField = (kind: string) => `identifier_${kind.replace('.', '_')}`
const identifierSpecs = (tenant: Tenant, party: unknown) =>
  tenant.settings.partyIdentifiers.filter((s) => s.party === party)

/** Identifier fields (`identifier_<country>_<kind>`) the tenant asks for on this kind of party. */
function checkIdentifiers(tenant: Tenant, data: Record<string, unknown>, ctx: z.RefinementCtx) {
  for (const spec of identifierSpecs(tenant, data.category)) {
    const field = identifierField(spec.kind)
    const value = text(data[field])
    if (!value && spec.required)
      ctx.addIssue({ code: 'custom', path: [field], message: e(`identifier.${spec.kind}.required`) })
    if (value && !IDENTIFIERS[spec.kind](value)) {
      ctx.addIssue({ code: 'custom', path: [field], message: e(`identifier.${spec.kind}.invalid`) })
    }
  }
}

function identifiersOf(tenant: Tenant, data: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const spec of identifierSpecs(tenant, data.category)) {
    const value = text(data[identifierField(spec.kind)])
    if (value) out[spec.kind] = normaliseIdentifier(spec.kind, value)
  }
  return out
}

/** A company's registered name, a person's full name: each asked of its own kind of party. */
const partyNames = {
  organisationName: z
    .string()
    .trim()
    .regex(SINGLE_LINE, CONTROL_CHARACTERS)
    .max(300, e('nameTooLong'))
    .optional(),
  fullName: z.string().trim().regex(SINGLE_LINE, CONTROL_CHARACTERS).max(200, e('nameTooLong')).optional(),
}

function requireOrganisationName(data: Record<string, unknown>, ctx: z.RefinementCtx): void {
  if (data.category === 'legal' && !text(data.organisationName)) {
    ctx.addIssue({ code: 'custom', path: ['organisationName'], message: e('organisationNameRequired') })
  }
}

/** Seed 002: the system emails a one-time password. */
export function registerWithEmailedPassword(tenant: Tenant) {
  return z
    .looseObject({
      category,
      ...partyNames,
      email: Email,
      phone: Phone(tenant),
      consent,
    })
    .superRefine((data: Record<string, unknown>, ctx) => {
      requireOrganisationName(data, ctx)
      if (data.category === 'individual' && !text(data.fullName)) {
        ctx.addIssue({ code: 'custom', path: ['fullName'], message: e('fullNameRequired') })
      }
      checkIdentifiers(tenant, data, ctx)
    }, always)
    .transform((data) => ({
      category: data.category,
      organisationName: data.category === 'legal' ? (data.organisationName ?? null) : null,
      fullName: data.category === 'individual' ? (data.fullName ?? null) : null,
      email: data.email,
      phone: data.phone,
      identifiers: identifiersOf(tenant, data),
    }))
}
export type EmailedPasswordRegistration = z.output<ReturnType<typeof registerWithEmailedPassword>>

/** Seed 004 (and 003's login name where the tenant uses one): the user chooses a password and confirms the email. */
export function registerWithConfirmation(tenant: Tenant) {
  const loginName = tenant.settings.registration.loginName
    ? z.string().regex(/^[A-Za-z0-9]{4,32}$/, e('loginNameFormat'))
    : z.undefined().optional()
  return z
    .looseObject({
      category,
      ...partyNames,
      email: Email,
      loginName,
      password,
      passwordConfirm: z.string(),
      consent,
    })
    .superRefine((data: Record<string, unknown>, ctx) => {
      requireOrganisationName(data, ctx)
      newPassword(tenant, (d) => [...emailName(d.email), text(d.loginName), text(d.fullName)])(data, ctx)
      checkIdentifiers(tenant, data, ctx)
    }, always)
    .transform((data) => ({
      category: data.category,
      organisationName: data.category === 'legal' ? (data.organisationName ?? null) : null,
      fullName: data.category === 'individual' ? data.fullName || null : null,
      email: data.email,
      loginName: typeof data.loginName === 'string' ? data.loginName : null,
      password: data.password,
      identifiers: identifiersOf(tenant, data),
    }))
}
export type ConfirmationRegistration = z.output<ReturnType<typeof registerWithConfirmation>>

export const Login = z.object({
  login: z
    .string()
    .trim()
    .regex(SINGLE_LINE, CONTROL_CHARACTERS)
    .min(1, e('loginRequired'))
    .max(254, e('loginRequired')),
  password: z
    .string()
    .min(1, e('passwordRequired'))
    .max(PASSWORD_MAX * 4, e('passwordRequired')),
  next: z.string().optional(),
})

export function changePassword(tenant: Tenant, email: string, forced: boolean) {
  return z
    .object({
      currentPassword: forced ? z.string().optional() : z.string().min(1, e('currentPasswordRequired')),
      password,
      passwordConfirm: z.string(),
    })
    .superRefine(
      newPassword(tenant, () => emailName(email)),
      always,
    )
}

export const EmailOnly = z.object({ email: Email })

export function profile(tenant: Tenant) {
  return z.object({
    firstName: z.string().trim().regex(SINGLE_LINE, CONTROL_CHARACTERS).max(100, e('nameTooLong')),
    lastName: z.string().trim().regex(SINGLE_LINE, CONTROL_CHARACTERS).max(100, e('nameTooLong')),
    phone: Phone(tenant, false),
    preferredLocale: z
      .string()
      .refine((v) => v === '' || isLocale(v), e('localeInvalid'))
      .transform((v) => (isLocale(v) ? v : null)),
  })
}

export const ChangeEmail = z.object({
  newEmail: Email,
  currentPassword: z
    .string()
    .min(1, e('currentPasswordRequired'))
    .max(PASSWORD_MAX * 4, e('currentPasswordRequired')),
})
