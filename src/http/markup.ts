import nunjucks from 'nunjucks'

// Nunjucks' own escaping, the one autoescape applies (its types leave `lib.escape` out).
const escape = (nunjucks as unknown as { lib: { escape: (value: string) => string } }).lib.escape

/**
 * Markup a view helper builds in code, marked safe for the page: every interpolated value
 * is escaped here, as autoescape would have escaped it in a template.
 */
export function markup(
  strings: TemplateStringsArray,
  ...values: (string | number)[]
): nunjucks.runtime.SafeString {
  let html = strings[0]!
  values.forEach((value, i) => (html += escape(String(value)) + strings[i + 1]!))
  return new nunjucks.runtime.SafeString(html)
}
