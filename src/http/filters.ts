import type { Request, Response } from 'express'
import { z } from 'zod'
import { CONTROL_CHARACTERS, SINGLE_LINE } from '../platform/text.ts'
import { isRealDay } from '../platform/time/intervals.ts'
import { fieldErrors, type FieldError } from './forms.ts'
import type { Page } from './lists.ts'

/**
 * A day typed into a list's filter: empty is no filter; anything else must be a real
 * calendar day ("2026-02-30" and "9999-99-99" are refused beside the field, never sent
 * to the database).
 */
export const filterDay = z
  .string()
  .optional()
  .refine((v) => !v || isRealDay(v), 'errors.filterDay')
  .transform((v) => v || undefined)

/**
 * A value chosen from a list's select: empty is no filter; anything not on the list is
 * refused beside the field (a hand-edited address), never sent to the database.
 */
export const filterChoice = <T extends string>(values: readonly T[]) =>
  z
    .string()
    .optional()
    .refine((v) => !v || (values as readonly string[]).includes(v), 'errors.filterChoice')
    .transform((v) => (v || undefined) as T | undefined)

/** Free text typed into a filter: one line, no control characters, at most `max` characters. */
export const filterText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, 'errors.filterTooLong')
    .regex(SINGLE_LINE, CONTROL_CHARACTERS)
    .optional()
    .transform((v) => v || undefined)

export const EMPTY_PAGE: Page<never> = { rows: [], page: 1, pages: 0, total: 0 }

/**
 * A list's query string read like a form: either the filters, or the field errors to show
 * (status 422) with nothing queried, and nothing streamed for an export.
 */
export function readFilters<S extends z.ZodType>(
  schema: S,
  req: Request,
  res: Response,
): { ok: true; data: z.output<S> } | { ok: false; errors: FieldError[] } {
  const parsed = schema.safeParse(req.query)
  return parsed.success
    ? { ok: true, data: parsed.data }
    : { ok: false, errors: fieldErrors(res, parsed.error) }
}
