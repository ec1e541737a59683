import { z } from 'zod'

type Json = Record<string, unknown>

/** A schema with every `#/components/schemas/…` reference replaced by what it names. */
function inline(schema: unknown, components: Record<string, unknown>, seen: string[] = []): unknown {
  if (Array.isArray(schema)) return schema.map((s) => inline(s, components, seen))
  if (!schema || typeof schema !== 'object') return schema
  const ref = (schema as Json).$ref
  if (typeof ref === 'string') {
    const name = ref.replace('#/components/schemas/', '')
    if (seen.includes(name)) throw new Error(`recursive schema ${name}`)
    return inline(components[name], components, [...seen, name])
  }
  return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, inline(v, components, seen)]))
}

/**
 * Checks an answer against the served OpenAPI document, not against the code's own zod
 * schemas: the document's JSON Schema is turned back into a validator, so a handler that
 * answers something its document does not say fails here.
 */
export function conformsToDocument(
  document: Json,
  operation: { method: string; path: string },
  res: { status: number; headers: Record<string, string>; body: unknown },
): string[] {
  const paths = document.paths as Record<string, Record<string, Json>>
  const op = paths[operation.path]?.[operation.method.toLowerCase()]
  if (!op) return [`${operation.method} ${operation.path} is not in the document`]
  const response = (op.responses as Record<string, Json>)[String(res.status)]
  if (!response) return [`${operation.method} ${operation.path} does not document ${res.status}`]
  const type = String(res.headers['content-type'] ?? '').split(';')[0]!
  const content = (response.content as Record<string, Json> | undefined)?.[type]
  if (!content) return [`${res.status} is not documented as ${type}`]
  // A binary body (a file) is described by its media type alone.
  if (content.schema === undefined) return []
  const components = ((document.components as Json | undefined)?.schemas ?? {}) as Record<string, unknown>
  const validator = z.fromJSONSchema(inline(content.schema, components) as never)
  const checked = validator.safeParse(res.body)
  return checked.success ? [] : checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
}
