import { z } from 'zod'
import { LOCALES, type Locale } from '../../platform/i18n/locales.ts'
import { CONTROL_CHARACTERS, MULTI_LINE, SINGLE_LINE } from '../../platform/text.ts'
import type { MediaKind } from '../../platform/files/sniff.ts'
import { DEADLINE_STEPS } from './deadlines.ts'
import { PATHS, WORKFLOWS, type WorkflowCode } from './workflows.ts'

/** A text the tenant writes in each language it serves (shown with tenantText's fallback). */
export type Texts = Partial<Record<Locale, string>>

const texts = (max: number, message: string) =>
  z
    .object(Object.fromEntries(LOCALES.map((l) => [l, z.string().trim().max(max, message).optional()])))
    .transform((t) => Object.fromEntries(Object.entries(t).filter(([, v]) => v)) as Texts)

const someText = (max: number, message: string) =>
  texts(max, message).refine((t) => Object.keys(t).length > 0, message)

export const FIELD_KINDS = [
  'text',
  'longText',
  'number',
  'capacity',
  'date',
  'select',
  'checkbox',
  'address',
] as const
export type FieldKind = (typeof FIELD_KINDS)[number]
export const DOCUMENT_KINDS = ['pdf', 'jpeg', 'png', 'zip'] as const satisfies readonly MediaKind[]

const Code = z.string().regex(/^[a-z][a-z0-9]{0,23}$/, 'applications.types.errors.code')

export const FieldDefinition = z
  .object({
    code: Code,
    kind: z.enum(FIELD_KINDS, 'applications.types.errors.kind'),
    required: z.boolean(),
    label: someText(200, 'applications.types.errors.label'),
    unit: z.string().trim().max(20, 'applications.types.errors.unit').optional(),
    min: z.number('applications.types.errors.range').optional(),
    max: z.number('applications.types.errors.range').optional(),
    options: z
      .array(z.object({ code: Code, label: someText(200, 'applications.types.errors.options') }))
      .max(50, 'applications.types.errors.options')
      .optional(),
  })
  .refine((f) => f.min === undefined || f.max === undefined || f.min <= f.max, {
    message: 'applications.types.errors.range',
    path: ['min'],
  })
  .refine((f) => f.kind !== 'select' || (f.options?.length ?? 0) >= 2, {
    message: 'applications.types.errors.options',
    path: ['options'],
  })
export type FieldDefinition = z.infer<typeof FieldDefinition>

export const DocumentDefinition = z.object({
  code: Code,
  label: someText(200, 'applications.types.errors.label'),
  required: z.boolean(),
  kinds: z
    .array(z.enum(DOCUMENT_KINDS, 'applications.types.errors.documentKinds'))
    .min(1, 'applications.types.errors.documentKinds'),
})
export type DocumentDefinition = z.infer<typeof DocumentDefinition>

export const AUDIENCES = ['all', 'individual', 'legal'] as const

/** Whether a customer of `category` (none for an account from before categories) is offered the type. */
export const offeredTo = (definition: Pick<TypeDefinition, 'audience'>, category: string | null): boolean =>
  definition.audience === 'all' || category === null || definition.audience === category

/** How long one later step may take: working days on the tenant's calendar, or calendar days. */
export const StepDeadline = z.object({
  days: z
    .number('applications.types.errors.deadlineDays')
    .int('applications.types.errors.deadlineDays')
    .min(1, 'applications.types.errors.deadlineDays')
    .max(730, 'applications.types.errors.deadlineDays'),
  kind: z.enum(['working', 'calendar']),
})
export type StepDeadline = z.infer<typeof StepDeadline>

/** An application type as data (issue 8 item 4): what the customer is asked and how it is handled. */
export const TypeDefinition = z
  .object({
    name: someText(120, 'applications.types.errors.name'),
    description: texts(600, 'applications.types.errors.description'),
    info: texts(8000, 'applications.types.errors.info'),
    prefix: z.string().regex(/^[A-Z]{1,4}$/, 'applications.types.errors.prefix'),
    workflow: z.enum(
      Object.keys(WORKFLOWS) as [WorkflowCode, ...WorkflowCode[]],
      'applications.types.errors.workflow',
    ),
    reviewDays: z
      .number('applications.types.errors.reviewDays')
      .int('applications.types.errors.reviewDays')
      .min(1, 'applications.types.errors.reviewDays')
      .max(365, 'applications.types.errors.reviewDays'),
    active: z.boolean(),
    fields: z.array(FieldDefinition).max(30),
    documents: z.array(DocumentDefinition).max(15),
    /**
     * Filed by a representative (an installer acting under a grant), an application counts
     * as submitted only once the customer confirms it (issue 21 item 6).
     */
    customerConfirms: z.boolean().default(false),
    /** Who is offered the type: everyone, or only individuals or only legal entities. */
    audience: z.enum(AUDIENCES, 'applications.types.errors.audience').default('all'),
    /** Later steps' own deadlines (a type saved before they existed has none). */
    deadlines: z.partialRecord(z.enum(DEADLINE_STEPS), StepDeadline).default({}),
  })
  .superRefine((d, ctx) => {
    for (const step of Object.keys(d.deadlines))
      if (!PATHS[d.workflow].includes(step))
        ctx.addIssue({
          code: 'custom',
          message: 'applications.types.errors.deadlineStep',
          path: ['deadlines', step, 'days'],
        })
    const seen = new Set<string>()
    d.fields.forEach((f, i) => {
      if (seen.has(f.code))
        ctx.addIssue({
          code: 'custom',
          message: 'applications.types.errors.codeTwice',
          path: ['fields', i, 'code'],
        })
      seen.add(f.code)
    })
    d.documents.forEach((f, i) => {
      if (seen.has(f.code))
        ctx.addIssue({
          code: 'custom',
          message: 'applications.types.errors.codeTwice',
          path: ['documents', i, 'code'],
        })
      seen.add(f.code)
    })
  })
export type TypeDefinition = z.infer<typeof TypeDefinition>

/** One stored version of a type. */
export interface ApplicationType {
  id: string
  code: string
  version: number
  definition: TypeDefinition
  created_at: Date
}

/** A value the customer gave for one extra field, as stored (numbers as numbers, a tick as true). */
export type FieldValue = string | number | boolean

/**
 * The customer's answers to a type's extra fields, checked against the type: required,
 * numbers (comma or point) within the range, real dates, one of the options. Returns the
 * values to store and an error key per field code.
 */
export function readFieldValues(
  definition: TypeDefinition,
  body: Record<string, unknown>,
): { values: Record<string, FieldValue>; errors: Record<string, string> } {
  const values: Record<string, FieldValue> = {}
  const errors: Record<string, string> = {}
  for (const field of definition.fields) {
    const raw = body[`f_${field.code}`]
    const text = typeof raw === 'string' ? raw.trim() : ''
    if (field.kind === 'checkbox') {
      if (raw === 'yes') values[field.code] = true
      else if (field.required) errors[field.code] = 'applications.errors.fieldRequired'
      continue
    }
    if (!text) {
      if (field.required) errors[field.code] = 'applications.errors.fieldRequired'
      continue
    }
    switch (field.kind) {
      case 'number':
      case 'capacity': {
        const n = /^-?\d{1,12}([.,]\d{1,6})?$/.test(text.replace(/\s/g, ''))
          ? Number(text.replace(/\s/g, '').replace(',', '.'))
          : NaN
        if (Number.isNaN(n)) errors[field.code] = 'applications.errors.number'
        else if (
          (field.min !== undefined && n < field.min) ||
          (field.max !== undefined && n > field.max) ||
          (field.kind === 'capacity' && n <= 0)
        )
          errors[field.code] = 'applications.errors.range'
        else values[field.code] = n
        break
      }
      case 'date': {
        const ok = /^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(Date.parse(`${text}T00:00:00Z`))
        if (!ok || new Date(`${text}T00:00:00Z`).toISOString().slice(0, 10) !== text)
          errors[field.code] = 'applications.errors.date'
        else values[field.code] = text
        break
      }
      case 'select':
        if (!field.options?.some((o) => o.code === text)) errors[field.code] = 'applications.errors.option'
        else values[field.code] = text
        break
      default: {
        const max = field.kind === 'text' ? 500 : 5000
        if (!(field.kind === 'text' ? SINGLE_LINE : MULTI_LINE).test(text))
          errors[field.code] = CONTROL_CHARACTERS
        else if (text.length > max) errors[field.code] = 'applications.errors.tooLong'
        else values[field.code] = text
      }
    }
  }
  return { values, errors }
}
