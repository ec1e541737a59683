import { createDocument, type ZodOpenApiPathsObject } from 'zod-openapi'
import { PER_ADDRESS_PER_MINUTE, PER_TOKEN_PER_MINUTE } from './gate.ts'
import { SCOPE_NAMES } from './scopes.ts'

/**
 * The OpenAPI 3.1 document of `/api`, made from the zod schemas each module's handlers
 * parse their input with and shape their answers by: code and document cannot drift apart.
 */
export function openApiDocument(paths: ZodOpenApiPathsObject) {
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Kabinet API',
      version: '1',
      description: [
        'Bearer tokens made under your profile (API tokens): each with scopes and an expiry of at most 12 months.',
        `Scopes: ${SCOPE_NAMES.join(', ')}.`,
        `Rate limits: ${PER_TOKEN_PER_MINUTE} requests a minute per token, ${PER_ADDRESS_PER_MINUTE} per address;`,
        'every answer carries RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset, and a 429 carries Retry-After.',
        'Errors are RFC 9457 problem documents (application/problem+json) with a stable `code`;',
        '`detail` is in the language of Accept-Language. Instants are RFC 3339, days are YYYY-MM-DD.',
      ].join(' '),
    },
    servers: [{ url: '/api' }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'kb_<prefix>_<secret>' } },
    },
    paths,
  })
}
