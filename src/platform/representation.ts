import type { RequestContext } from './context.ts'
import { NotFoundError } from './errors.ts'
import { SERVICE_CODES, type ServiceCode } from './tenancy/settings.ts'

/**
 * What one may do in each service when acting for an account (issue 21): a static map
 * from role to permissions, checked by each module's services (`bindServices`' needs), by
 * the service guard in front of the pages and by pages that list services,
 * never by a view alone. An administrator may do everything; a colleague what was granted.
 * Any permission of a service includes seeing it.
 */
export const SERVICE_PERMISSIONS = {
  applications: ['view', 'submit', 'chat'],
  pgb: ['view', 'edit', 'approve'],
  readings: ['view', 'enter'],
  market: ['view', 'edit'],
} as const satisfies Record<ServiceCode, readonly string[]>

export type Permission = {
  [S in ServiceCode]: `${S}:${(typeof SERVICE_PERMISSIONS)[S][number]}`
}[ServiceCode]

export const ALL_PERMISSIONS: readonly Permission[] = SERVICE_CODES.flatMap((s) =>
  SERVICE_PERMISSIONS[s].map((p) => `${s}:${p}` as Permission),
)

/** The services a tenant offers, in catalogue order, each with its permissions: what a grant form offers. */
export function grantableServices(
  enabled: readonly string[],
): { service: ServiceCode; permissions: Permission[] }[] {
  return SERVICE_CODES.filter((s) => enabled.includes(s)).map((service) => ({
    service,
    permissions: SERVICE_PERMISSIONS[service].map((p) => `${service}:${p}` as Permission),
  }))
}

export const isPermission = (value: unknown): value is Permission =>
  typeof value === 'string' && (ALL_PERMISSIONS as readonly string[]).includes(value)

export type MemberRole = 'administrator' | 'colleague'

/** A signed-in person acting for another account than their own. */
export interface Representation {
  /** The account acted for (also `res.locals.customer`). */
  accountId: string
  accountName: string
  role: MemberRole
  permissions: readonly Permission[]
  /** A colleague of the account, or another account's login it granted representation to. */
  via: 'membership' | 'grant'
}

/** May the representative do `permission`? Acting for one's own account, always. */
export function may(
  rep: Pick<Representation, 'role' | 'permissions'> | undefined,
  permission: Permission,
): boolean {
  if (!rep || rep.role === 'administrator') return true
  if (rep.permissions.includes(permission)) return true
  const [service, what] = permission.split(':') as [ServiceCode, string]
  return what === 'view' && rep.permissions.some((p) => p.startsWith(`${service}:`))
}

const isService = (code: string): code is ServiceCode => (SERVICE_CODES as readonly string[]).includes(code)

/**
 * The permission a request under `/services/<code>` needs: reading needs `view`; writing
 * what the form does — a chat message or read marker `chat`, approving a schedule (the
 * day form's default action, an import's "approve") `approve`, anything else the service's
 * plain write. Undefined: not a service's page (enrolment), for administrators only.
 */
export function permissionFor(
  method: string,
  path: string,
  body: Record<string, unknown> | undefined,
): Permission | undefined {
  const [, code = '', ...rest] = path.split('/')
  if (!isService(code)) return undefined
  if (method === 'GET' || method === 'HEAD') return `${code}:view` as Permission
  const tail = rest.join('/')
  switch (code) {
    case 'applications':
      return /\/(messages|read)$/.test(`/${tail}`) ? 'applications:chat' : 'applications:submit'
    case 'pgb':
      if (/^units\/[^/]+\/days\/[^/]+$/.test(tail))
        return body?.action === 'draft' ? 'pgb:edit' : 'pgb:approve'
      if (/^import\/[^/]+$/.test(tail)) return body?.mode === 'approve' ? 'pgb:approve' : 'pgb:edit'
      return 'pgb:edit'
    case 'readings':
      return 'readings:enter'
    case 'market':
      return 'market:edit'
  }
}

/**
 * Refuses (as "not found", the answer a stranger gets) a request of a person acting for
 * another account without `permission`; anyone else — the account's own login, staff, a
 * job — passes.
 */
export function requirePermission(ctx: RequestContext, permission: Permission): void {
  if (ctx.actor.account === undefined) return
  if (!may(ctx.actor.representation ?? { role: 'colleague', permissions: [] }, permission))
    throw new NotFoundError(`not granted: ${permission}`)
}
