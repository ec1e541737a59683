import { Router } from 'express'
import type { openApiDocument } from './openapi.ts'

type Json = Record<string, unknown>

export interface DocOperation {
  id: string
  method: string
  path: string
  scope: string | undefined
  parameters: { name: string; in: string; required: boolean; type: string }[]
  body: { name: string; type: string }[]
  statuses: string[]
  curl: string
}

const typeOf = (schema: Json | undefined): string => {
  if (!schema) return ''
  if (schema.type === 'array') return `${typeOf(schema.items as Json)}[]`
  if (Array.isArray(schema.enum)) return (schema.enum as string[]).join(' | ')
  if (typeof schema.type === 'string') return schema.type
  return schema.anyOf ? 'string | null' : 'object'
}

/** The document's operations as the readable page shows them, with a curl line for each. */
export function operationsOf(document: ReturnType<typeof openApiDocument>): DocOperation[] {
  const schemas = ((document.components as Json | undefined)?.schemas ?? {}) as Record<string, Json>
  const resolve = (s: unknown): Json | undefined => {
    const ref = (s as Json | undefined)?.$ref
    return typeof ref === 'string'
      ? schemas[ref.replace('#/components/schemas/', '')]
      : (s as Json | undefined)
  }
  return Object.entries((document.paths ?? {}) as Record<string, Record<string, Json>>).flatMap(
    ([path, ops]) =>
      Object.entries(ops).map(([method, op]) => {
        const full = `/api${path}`
        const bodySchema = resolve(
          ((op.requestBody as Json | undefined)?.content as Record<string, Json> | undefined)?.[
            'application/json'
          ]?.schema,
        )
        const properties = (bodySchema?.properties ?? {}) as Record<string, Json>
        const headers = ((op.parameters ?? []) as Json[])
          .filter((p) => p.in === 'header')
          .map((p) => String(p.name))
        const curl = [
          'curl',
          method === 'get' ? '' : `-X ${method.toUpperCase()}`,
          '-H "Authorization: Bearer $TOKEN"',
          ...headers.map((h) => `-H '${h}: …'`),
          bodySchema ? `-H 'Content-Type: application/json' -d '{…}'` : '',
          `"$PORTAL${full.replace(/\{(\w+)\}/g, '<$1>')}"`,
        ]
          .filter(Boolean)
          .join(' ')
        return {
          id: String(op.operationId),
          method: method.toUpperCase(),
          path: full,
          scope: /Scope `([^`]+)`/.exec(typeof op.description === 'string' ? op.description : '')?.[1],
          parameters: ((op.parameters ?? []) as Json[]).map((p) => ({
            name: String(p.name),
            in: String(p.in),
            required: Boolean(p.required),
            type: typeOf(p.schema as Json),
          })),
          body: Object.entries(properties).map(([name, schema]) => ({ name, type: typeOf(schema) })),
          statuses: Object.keys(op.responses ?? {}),
          curl,
        }
      }),
  )
}

/** The API described for people: each operation, its scope, parameters, answers and a curl line. */
export function docsRoutes(document: ReturnType<typeof openApiDocument>): Router {
  const router = Router()
  const operations = operationsOf(document)
  router.get('/developers/api', (_req, res) => {
    res.render('customer/api/docs', { operations, verifyExample: VERIFY_EXAMPLE })
  })
  return router
}

/** How a receiver checks a delivery (Node.js), as `webhooks/send.ts` signs it. */
const VERIFY_EXAMPLE = `import { createHmac, timingSafeEqual } from 'node:crypto'

// body: the request's raw bytes as text; header: its Kabinet-Signature
function verify(secret, body, header) {
  const { t, v1 } = Object.fromEntries(header.split(',').map((p) => p.split('=')))
  if (Math.abs(Date.now() / 1000 - Number(t)) > 300) return false
  const expected = createHmac('sha256', secret).update(\`\${t}.\${body}\`).digest('hex')
  return v1.length === expected.length && timingSafeEqual(Buffer.from(v1), Buffer.from(expected))
}`
