import { createDocument, type ZodOpenApiPathsObject } from 'zod-openapi'
import { SCOPE_NAMES } from './scopes.ts'

/**
 * The OpenAPI 3.1 document of `/api`, made from the zod schemas each module's handlers
 * parse their input with and shape their answers by: code and document cannot drift apart.
 */
export function openApiDocument(
  paths: ZodOpenApiPathsObject,
  quotas: { perToken: number; perAddress: number },
) {
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Kabinet API',
      version: '1',
      description: [
        'Bearer tokens made under your profile (API tokens): each with scopes and an expiry of at most 12 months.',
        `Scopes: ${SCOPE_NAMES.join(', ')}.`,
        `Rate limits: ${quotas.perToken} requests a minute per token, ${quotas.perAddress} per address;`,
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
