import { CONTROL_CHARACTERS, SINGLE_LINE } from '../../platform/text.ts'
import { z } from 'zod'
import { Email } from '../../platform/identity-fields.ts'
import type { Tenant } from '../../platform/tenancy/settings.ts'

const e = (key: string) => `services.errors.${key}`

export function serviceChoice(tenant: Tenant) {
  const enabled = tenant.settings.enabledServices as readonly string[]
  return z.string(e('serviceRequired')).refine((s) => enabled.includes(s), e('serviceRequired'))
}

const Company = z
  .string(e('companyRequired'))
  .trim()
  .regex(SINGLE_LINE, CONTROL_CHARACTERS)
  .min(1, e('companyRequired'))
  .max(300, 'accounts.errors.nameTooLong')

export function accessRequest(tenant: Tenant) {
  return z.object({
    company: Company,
    email: Email,
    phone: z
      .string(e('phoneRequired'))
      .trim()
      .regex(SINGLE_LINE, CONTROL_CHARACTERS)
      .min(5, e('phoneRequired'))
      .max(40, e('phoneRequired')),
    service: serviceChoice(tenant),
  })
}

export const TokenForm = z.object({
  token: z
    .string(e('tokenRequired'))
    .trim()
    .regex(SINGLE_LINE, CONTROL_CHARACTERS)
    .min(1, e('tokenRequired'))
    .max(40, e('tokenInvalid')),
})

export function enrolmentForm(tenant: Tenant) {
  return z.object({
    company: Company,
    email: Email,
    phone: z
      .string(e('phoneRequired'))
      .trim()
      .regex(SINGLE_LINE, CONTROL_CHARACTERS)
      .max(40, e('phoneRequired'))
      .transform((p) => p || null),
    service: serviceChoice(tenant),
  })
}
