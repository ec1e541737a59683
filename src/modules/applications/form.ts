import type { Request, Response } from 'express'
import type { FieldError } from '../../http/forms.ts'
import type { UploadField } from '../../http/upload.ts'
import type { Tenant } from '../../platform/tenancy/settings.ts'
import { CONTROL_CHARACTERS, MULTI_LINE } from '../../platform/text.ts'
import { readFieldValues, type ApplicationType } from './definition.ts'
import type { ApplicationInput, SaveAction } from './service.ts'
import { applicationsSettings } from './settings.ts'

const TEXT_MAX = 10_000
const CONTACT_MAX = 1_000

/** The file fields of a type's form: one per document the type names, and "other files". */
export function uploadFieldsOf(type: ApplicationType, tenant: Tenant): UploadField[] {
  const { maxFileMb, maxFiles } = applicationsSettings.of(tenant)
  const maxBytes = maxFileMb * 1024 * 1024
  return [
    ...type.definition.documents.map((d) => ({ field: `doc_${d.code}`, allow: d.kinds, maxBytes, maxFiles })),
    { field: 'other', allow: ['pdf', 'jpeg', 'png'] as const, maxBytes, maxFiles },
  ]
}

/**
 * The posted application form read against its type: the input to store, the action
 * (a draft accepts a half-filled form; sending checks everything) and the errors, each
 * linked to its field, upload problems included.
 */
export function readApplicationForm(
  req: Request,
  res: Response,
  type: ApplicationType,
): { input: ApplicationInput; action: SaveAction; errors: FieldError[] } {
  const body = (req.body ?? {}) as Record<string, unknown>
  const t = res.locals.t
  const action: SaveAction = body.action === 'draft' ? 'draft' : 'submit'
  const text = typeof body.text === 'string' ? body.text.trim() : ''
  const contact = typeof body.contact === 'string' ? body.contact.trim() : ''
  const { values, errors: fieldErrors } = readFieldValues(type.definition, body)
  const errors: FieldError[] = []
  const add = (field: string, key: string) => errors.push({ field, text: t(key), href: `#${field}` })
  if (!MULTI_LINE.test(text)) add('text', CONTROL_CHARACTERS)
  else if (text.length > TEXT_MAX) add('text', 'applications.errors.textTooLong')
  else if (!text && action === 'submit') add('text', 'applications.errors.text')
  if (!MULTI_LINE.test(contact)) add('contact', CONTROL_CHARACTERS)
  else if (contact.length > CONTACT_MAX) add('contact', 'applications.errors.contactTooLong')
  for (const [code, key] of Object.entries(fieldErrors)) {
    // A draft may leave required fields empty; a wrong value is wrong either way.
    if (action === 'draft' && key === 'applications.errors.fieldRequired') continue
    add(`f_${code}`, key)
  }
  errors.push(...(req.upload?.errors ?? []))
  return { input: { text, contact, values }, action, errors }
}

/** A stored application's answers as form values (for continuing a draft or correcting). */
export function formValues(input: ApplicationInput): Record<string, string> {
  const values: Record<string, string> = { text: input.text, contact: input.contact }
  for (const [code, value] of Object.entries(input.values))
    values[`f_${code}`] = value === true ? 'yes' : String(value)
  return values
}
