import { CONTROL_CHARACTERS, MULTI_LINE, SINGLE_LINE } from '../text.ts'
import { z } from 'zod'
import { contrastRatio, MIN_CONTRAST_ON_WHITE } from '../colour.ts'
import { LOCALES } from '../i18n/locales.ts'
import { IDENTIFIERS, type IdentifierKind } from '../identifiers/index.ts'

export const SERVICE_CODES = ['applications', 'readings', 'pgb', 'market'] as const
export type ServiceCode = (typeof SERVICE_CODES)[number]
export const REGISTRATION_MODES = ['emailedPassword', 'emailConfirmation'] as const
export type RegistrationMode = (typeof REGISTRATION_MODES)[number]
const IDENTIFIER_KINDS = Object.keys(IDENTIFIERS) as [IdentifierKind, ...IdentifierKind[]]

/** The platform floor under every tenant's minimum (NIST SP 800-63B). */
export const PASSWORD_FLOOR = 8

const Registration = z.object({
  modes: z.array(z.enum(REGISTRATION_MODES)).min(1, 'settings.errors.registrationModes'),
  oneTimePasswordDays: z.number().int().min(1).max(30),
  /** Sign in with a login name instead of the email (seed 003); compared case-sensitively. */
  loginName: z.boolean(),
})

const PasswordPolicy = z.object({
  minLength: z.number().int().min(1).max(64),
  /** Letters, digits and special characters: a legacy rule, only where a tenant asks for it. */
  requireComposition: z.boolean(),
})

const PartyIdentifier = z.object({
  kind: z.enum(IDENTIFIER_KINDS),
  party: z.enum(['legal', 'individual']),
  required: z.boolean(),
})

const Consent = z.object({
  version: z.number().int().min(1),
  text: z.partialRecord(z.enum(LOCALES), z.string().max(5000).regex(MULTI_LINE, CONTROL_CHARACTERS)),
})

const PageLink = z
  .url({ protocol: /^https?$/, error: 'settings.errors.pageLink' })
  .max(500, 'settings.errors.pageLink')
  .optional()

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone })
    return zone.includes('/') || zone === 'UTC'
  } catch {
    return false
  }
}

/** Messages are i18n keys: the admin settings form shows them in the operator's language. */
export const TenantSettings = z.object({
  name: z
    .string()
    .trim()
    .regex(SINGLE_LINE, CONTROL_CHARACTERS)
    .min(1, 'settings.errors.nameRequired')
    .max(120, 'settings.errors.nameTooLong'),
  defaultLocale: z.enum(LOCALES, 'settings.errors.locale'),
  timeZone: z.string().refine(isTimeZone, 'settings.errors.timeZone'),
  branding: z.object({
    primaryColour: z
      .string()
      .regex(/^#[0-9a-f]{6}$/i, 'settings.errors.colourFormat')
      .transform((c) => c.toLowerCase())
      .refine((c) => contrastRatio(c, '#ffffff') >= MIN_CONTRAST_ON_WHITE, 'settings.errors.colourContrast'),
    logoPath: z
      .string()
      .regex(/^\/public\/images\/[a-z0-9/_-]+\.(svg|png)$/, 'settings.errors.logoPath')
      .optional(),
  }),
  enabledServices: z.array(z.enum(SERVICE_CODES)).default([]),
  supportEmail: z.email('settings.errors.supportEmail'),
  publicBaseUrl: z
    .url({ protocol: /^https?$/, error: 'settings.errors.publicBaseUrl' })
    .transform((u) => u.replace(/\/+$/, '')),
  registration: Registration.default({
    modes: ['emailConfirmation'],
    oneTimePasswordDays: 7,
    loginName: false,
  }),
  passwordPolicy: PasswordPolicy.default({ minLength: PASSWORD_FLOOR, requireComposition: false }),
  /** Every customer signs in with an authenticator app as a second step (they may choose it anyway). */
  customerTwoStep: z.boolean().default(false),
  partyIdentifiers: z.array(PartyIdentifier).default([]),
  /** ISO 3166 region for phone numbers typed without a country code. */
  phoneRegion: z
    .string()
    .regex(/^[A-Z]{2}$/, 'settings.errors.phoneRegion')
    .default('PL'),
  consent: Consent.default({ version: 1, text: {} }),
  /** The footer's links to the tenant's own pages; a link not set is not shown. */
  links: z
    .object({
      privacy: PageLink,
      cookies: PageLink,
      accessibility: PageLink,
      contact: PageLink,
    })
    .default({}),
  /** Each module's own part (see module-settings.ts), validated by the module's schema. */
  modules: z.record(z.string(), z.unknown()).default({}),
})
export type TenantSettings = z.infer<typeof TenantSettings>
export type TenantSettingsInput = z.input<typeof TenantSettings>
export type PasswordPolicy = z.infer<typeof PasswordPolicy>

export interface Tenant {
  id: string
  slug: string
  settings: TenantSettings
  /** Disabled by the platform's operators: its hosts answer "not available", its data stays. */
  disabled?: boolean
}
