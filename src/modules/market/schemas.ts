import { z } from 'zod'
import { typedAmount } from '../../platform/decimal.ts'
import { Email, Phone } from '../../platform/identity-fields.ts'
import { isValidResidentId, isValidUscc, normaliseIdentifier } from '../../platform/identifiers/index.ts'
import type { Tenant } from '../../platform/tenancy/settings.ts'
import { CONTROL_CHARACTERS, SINGLE_LINE } from '../../platform/text.ts'
import { isRealDay } from '../../platform/time/intervals.ts'
import { asksLicence } from './rules.ts'
import { MEMBER_TYPES, type MemberType } from './settings.ts'

/** Messages are i18n keys under market.errors. */
const e = (key: string) => `market.errors.${key}`

const line = (max: number, required: string) =>
  z
    .string(e(required))
    .trim()
    .regex(SINGLE_LINE, CONTROL_CHARACTERS)
    .min(1, e(required))
    .max(max, e('tooLong'))

/** An amount with at most `whole` digits before the point and `scale` after it; stored as typed. */
const amount = (key: string, whole: number, scale: number) =>
  z.string(e(key)).transform((raw, ctx) => {
    const typed = typedAmount(raw)
    if (!typed || typed.whole.length > whole || typed.fraction.length > scale) {
      ctx.addIssue({ code: 'custom', message: e(key) })
      return z.NEVER
    }
    return typed.value
  })

export const MemberTypeForm = z.object({ memberType: z.enum(MEMBER_TYPES, e('memberType')) })

/**
 * Basic information: the company's full legal name, its dispatch short name (exact: as
 * the dispatching centre writes it, unique in the tenant) and the legal representative's
 * resident identity number (checksum).
 */
export const BasicForm = z.object({
  companyName: line(200, 'companyName'),
  dispatchName: z
    .string(e('dispatchName'))
    .regex(SINGLE_LINE, CONTROL_CHARACTERS)
    .min(1, e('dispatchName'))
    .max(40, e('tooLong'))
    .refine((v) => v === v.trim() && !/\s{2}/.test(v), e('dispatchNameExact')),
  legalRepresentativeId: z
    .string(e('residentId'))
    .transform((v) => normaliseIdentifier('cn.residentId', v))
    .refine(isValidResidentId, e('residentId')),
})

const yesNo = z.enum(['yes', 'no'], e('licenceExempt'))
const optionalDay = z
  .string()
  .trim()
  .refine((v) => v === '' || isRealDay(v), e('day'))

/**
 * Business information: the unified social credit code (checksum) and, for those who
 * trade power, the licence: exempt (with the expected date) or not (a licence number, or
 * "in progress" with the date it is expected).
 */
export const businessForm = (type: MemberType) =>
  z
    .object({
      uscc: z
        .string(e('uscc'))
        .transform((v) => normaliseIdentifier('cn.uscc', v))
        .refine(isValidUscc, e('uscc')),
      licenceExempt: asksLicence(type) ? yesNo : z.unknown().optional(),
      licenceState: z.string().optional(),
      licenceNumber: z
        .string()
        .trim()
        .regex(SINGLE_LINE, CONTROL_CHARACTERS)
        .max(60, e('tooLong'))
        .optional(),
      licenceExpectedOn: optionalDay.optional(),
    })
    .superRefine((d, ctx) => {
      if (!asksLicence(type) || d.licenceExempt === undefined) return
      const issue = (path: string, key: string) =>
        ctx.addIssue({ code: 'custom', path: [path], message: e(key) })
      if (d.licenceExempt === 'yes') {
        if (!d.licenceExpectedOn) issue('licenceExpectedOn', 'expectedOn')
      } else if (d.licenceState === 'held') {
        if (!d.licenceNumber) issue('licenceNumber', 'licenceNumber')
      } else if (d.licenceState === 'in_progress') {
        if (!d.licenceExpectedOn) issue('licenceExpectedOn', 'expectedOn')
      } else issue('licenceState', 'licenceState')
    })
    .transform((d) => {
      if (!asksLicence(type))
        return {
          uscc: d.uscc,
          licence_exempt: null,
          licence_state: null,
          licence_number: null,
          licence_expected_on: null,
        }
      const exempt = d.licenceExempt === 'yes'
      return {
        uscc: d.uscc,
        licence_exempt: exempt,
        licence_state: exempt ? null : (d.licenceState ?? null),
        licence_number: !exempt && d.licenceState === 'held' ? (d.licenceNumber ?? null) : null,
        licence_expected_on: exempt || d.licenceState === 'in_progress' ? d.licenceExpectedOn || null : null,
      }
    })

/** Contacts: a real person, phone (libphonenumber, the tenant's region) and email. */
export const contactsForm = (tenant: Tenant) =>
  z.object({ contactName: line(100, 'contactName'), contactPhone: Phone(tenant), contactEmail: Email })

/** Voltage levels of a connection, as Chinese grid codes name them. */
export const VOLTAGE_LEVELS = ['0.4kV', '10kV', '20kV', '35kV', '110kV', '220kV'] as const

/** Parameters per member type: what the trading centre needs to know of its size. */
export const parametersForm = (type: MemberType) =>
  type === 'power_user'
    ? z
        .object({
          voltageLevel: z.enum(VOLTAGE_LEVELS, e('voltageLevel')),
          annualConsumption: amount('annualConsumption', 9, 3),
        })
        .transform((d) => ({ voltage_level: d.voltageLevel, annual_consumption_mwh: d.annualConsumption }))
    : type === 'generator'
      ? z
          .object({ installedCapacity: amount('installedCapacity', 6, 3) })
          .refine((d) => Number(d.installedCapacity) > 0, {
            path: ['installedCapacity'],
            message: e('installedCapacity'),
          })
          .transform((d) => ({ installed_capacity_mw: d.installedCapacity }))
      : z
          .object({ registeredCapital: amount('registeredCapital', 12, 2) })
          .refine((d) => Number(d.registeredCapital) > 0, {
            path: ['registeredCapital'],
            message: e('registeredCapital'),
          })
          .transform((d) => ({ registered_capital_cny: d.registeredCapital }))

export const GENERATING_TYPES = ['thermal', 'hydro', 'wind', 'solar', 'nuclear', 'storage', 'other'] as const

/** A generating unit added by hand (seed 003): name, type, capacity, dispatch name, connection date. */
export const GeneratingUnitForm = z.object({
  name: line(100, 'unitName'),
  unitType: z.enum(GENERATING_TYPES, e('unitType')),
  capacity: amount('capacity', 6, 3).refine((v) => Number(v) > 0, e('capacity')),
  dispatchName: line(40, 'unitDispatchName'),
  connectedOn: z.string().trim().refine(isRealDay, e('day')),
})

/** A consumption unit created by hand: its metering point (the utility's number) and where it is. */
export const ConsumptionUnitForm = z.object({
  name: line(100, 'unitName'),
  meteringPoint: z
    .string(e('meteringPoint'))
    .trim()
    .regex(/^[0-9A-Za-z-]{4,40}$/, e('meteringPoint')),
  address: line(300, 'address'),
  voltageLevel: z.enum(VOLTAGE_LEVELS, e('voltageLevel')),
})

/** Staff's decision: approve, reject with a reason, or return naming the parts to correct. */
export const DecisionForm = z.object({
  decision: z.enum(['approved', 'rejected', 'returned'], e('decision')),
  comment: z.string().max(2000, e('tooLong')).default(''),
  parts: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v])),
})

/** A binding's details: the chosen power user, whole days from–to, the contract reference. */
export const BindingForm = z
  .object({
    userId: z.uuid(e('bindingUser')),
    from: z.string().trim().refine(isRealDay, e('day')),
    to: z.string().trim().refine(isRealDay, e('day')),
    contractRef: line(60, 'contractRef'),
  })
  .refine((d) => !isRealDay(d.from) || !isRealDay(d.to) || d.to >= d.from, {
    path: ['to'],
    message: e('periodOrder'),
  })

export const BindingResponseForm = z.object({
  decision: z.enum(['confirm', 'decline'], e('decision')),
  comment: z.string().max(2000, e('tooLong')).default(''),
})

export const BindingDecisionForm = z.object({
  decision: z.enum(['approved', 'rejected'], e('decision')),
  comment: z.string().max(2000, e('tooLong')).default(''),
})

export const EndForm = z.object({ endOn: z.string().trim().refine(isRealDay, e('day')) })
