import type { Permission } from '../../platform/representation.ts'

/**
 * What a token may be given, and what each scope lets it do in the services: a token acts
 * with the permissions of its scopes that its creator also holds at the moment of the call.
 * A scope is offered once its resources exist.
 */
export const API_SCOPES = {
  'applications:read': ['applications:view'],
  'applications:write': ['applications:view', 'applications:chat'],
  'readings:read': ['readings:view'],
  'readings:write': ['readings:view', 'readings:enter'],
  'schedules:read': ['pgb:view'],
  'schedules:write': ['pgb:view', 'pgb:approve'],
} as const satisfies Record<string, readonly Permission[]>

export type ApiScope = keyof typeof API_SCOPES
export const SCOPE_NAMES = Object.keys(API_SCOPES) as ApiScope[]

export const isScope = (value: unknown): value is ApiScope => typeof value === 'string' && value in API_SCOPES

export const permissionsOf = (scopes: readonly string[]): Permission[] => [
  ...new Set(scopes.filter(isScope).flatMap((s) => API_SCOPES[s])),
]
