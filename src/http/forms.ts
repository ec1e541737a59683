import type { Request, Response } from 'express'
import type { z } from 'zod'

/** A posted whole number of up to three digits; anything else is NaN, which the schema refuses. */
export const wholeNumber = (v: unknown): number =>
  typeof v === 'string' && /^\d{1,3}$/.test(v.trim()) ? Number(v) : NaN

/** One posted field as text; anything else (missing, repeated, a file) is empty. */
export const formText = (req: Request, name: string): string => {
  const value = (req.body as Record<string, unknown> | undefined)?.[name]
  return typeof value === 'string' ? value : ''
}

export interface FieldError {
  field: string
  text: string
  href: string
}

/**
 * zod issues → one message per field, in the reader's language. Schema messages are
 * i18n keys; an issue without our key (a type mismatch, say) falls back to the field's
 * caller's key `<prefix>.<field>`, or to the generic `errors.fieldInvalid`.
 */
export function fieldErrors(res: Response, error: z.ZodError, fallbackPrefix?: string): FieldError[] {
  const t = res.locals.t
  const seen = new Set<string>()
  const out: FieldError[] = []
  for (const issue of error.issues) {
    const field = issue.path.map(String).join('.') || 'form'
    if (seen.has(field)) continue
    seen.add(field)
    // A schema message is a key; a bare type error (a field missing from a tampered form)
    // has none, and gets the caller's per-field key or the generic one.
    const key = issue.message.includes('.')
      ? issue.message
      : fallbackPrefix
        ? `${fallbackPrefix}.${field}`
        : 'errors.fieldInvalid'
    out.push({ field, text: t(key, { min: res.locals.minLength }), href: `#${field.replaceAll('.', '-')}` })
  }
  return out
}

/**
 * Re-renders the form with 422, the error summary and each message beside its field.
 * The summary lists the errors in the order their fields appear on the page (GOV.UK),
 * whatever order the schema's checks found them in: the page is rendered, the errors
 * sorted by where each field's id occurs, and rendered again if that changed anything.
 */
export function renderInvalid(
  res: Response,
  view: string,
  errors: FieldError[],
  values: unknown,
  locals: object = {},
): void {
  const render = (list: FieldError[], done: (html: string) => void) =>
    res
      .status(422)
      .render(view, { ...locals, errors: list, values }, (err: Error | null, html: string) =>
        err ? res.req.next!(err) : done(html),
      )
  render(errors, (html) => {
    const sorted = inPageOrder(errors, html)
    if (sorted.every((e, i) => e === errors[i])) return void res.send(html)
    render(sorted, (again) => void res.send(again))
  })
}

/** Errors sorted by the position of their field in the page; unknown fields keep their place at the end. */
export function inPageOrder(errors: FieldError[], html: string): FieldError[] {
  const position = (e: FieldError) => {
    const at = html.indexOf(`id="${e.href.slice(1)}"`)
    return at === -1 ? Number.MAX_SAFE_INTEGER : at
  }
  return errors
    .map((e, index) => ({ e, index, at: position(e) }))
    .sort((a, b) => a.at - b.at || a.index - b.index)
    .map(({ e }) => e)
}
