import type { Knex } from 'knex'
import { withTenant } from '../../db/tenant-scope.ts'
import { audit } from '../../platform/audit.ts'
import type { RequestContext } from '../../platform/context.ts'
import { InvalidFieldError, NotFoundError } from '../../platform/errors.ts'
import { TypeDefinition, offeredTo, type ApplicationType } from './definition.ts'
import { currentType, currentTypes, insertTypeVersion, typeById } from './repo.ts'
import type { ApplicationsDeps } from './service.ts'

/** The newest version of each type (cached per process; see ReferenceCache). */
export function listTypes(deps: ApplicationsDeps, ctx: RequestContext): Promise<readonly ApplicationType[]> {
  return deps.reference.get(ctx.tenant.id, 'application_types', () =>
    withTenant(deps.db, ctx.tenant.id, (trx) => currentTypes(trx)),
  )
}

/**
 * One version of a type, by id, read in the caller's transaction. A version never changes
 * once written (an edit is a new version), so it is cached per process without invalidation.
 */
export async function typeVersion(
  deps: ApplicationsDeps,
  ctx: RequestContext,
  trx: Knex.Transaction,
  id: string,
): Promise<ApplicationType> {
  const type = await deps.reference.get(ctx.tenant.id, `application_type_version:${id}`, () =>
    typeById(trx, id),
  )
  if (!type) throw new NotFoundError(`application type version ${id}`)
  return type
}

/** The active types offered to a customer of `category` (see offeredTo). */
export async function offeredTypes(
  deps: ApplicationsDeps,
  ctx: RequestContext,
  category: string | null = null,
): Promise<ApplicationType[]> {
  return (await listTypes(deps, ctx)).filter((t) => t.definition.active && offeredTo(t.definition, category))
}

/** One type a customer of `category` may apply for; any other is not found. */
export async function offeredType(
  deps: ApplicationsDeps,
  ctx: RequestContext,
  code: string,
  category: string | null = null,
): Promise<ApplicationType> {
  const type = await withTenant(deps.db, ctx.tenant.id, (trx) => currentType(trx, code))
  if (!type || !type.definition.active || !offeredTo(type.definition, category))
    throw new NotFoundError(`application type ${code}`)
  return type
}

export async function typeVersions(deps: ApplicationsDeps, ctx: RequestContext, code: string) {
  return withTenant(deps.db, ctx.tenant.id, (trx) =>
    trx('application_types')
      .where({ code })
      .orderBy('version', 'desc')
      .select<(ApplicationType & { created_by: string | null })[]>(
        'id',
        'code',
        'version',
        'definition',
        'created_at',
        'created_by',
      ),
  )
}

/** JSON with object keys sorted: jsonb gives keys back in its own order, not the one written. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  )
}

/**
 * An administrator's edit of a type: a new version unless nothing changed. Applications
 * already submitted keep the version they were made under.
 */
export async function saveTypeVersion(
  deps: ApplicationsDeps,
  ctx: RequestContext,
  code: string,
  input: unknown,
  options: { creating?: boolean } = {},
): Promise<{ version: number; changed: boolean }> {
  const definition = TypeDefinition.parse(input)
  return withTenant(deps.db, ctx.tenant.id, async (trx) => {
    // One edit of a type at a time, so two administrators cannot both write version n+1.
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`application-type:${code}`])
    const latest = await currentType(trx, code)
    if (options.creating && latest) throw new InvalidFieldError('code', 'applications.types.errors.codeTaken')
    if (!options.creating && !latest) throw new NotFoundError(`application type ${code}`)
    if (latest && canonical(latest.definition) === canonical(definition))
      return { version: latest.version, changed: false }
    const version = (latest?.version ?? 0) + 1
    await insertTypeVersion(trx, {
      tenant_id: ctx.tenant.id,
      code,
      version,
      definition,
      created_by: ctx.actor.type === 'operator' ? ctx.actor.id : null,
    })
    await audit(trx, ctx, {
      action: 'application-type.saved',
      targetType: 'application-type',
      details: { code, version },
    })
    // This process reads its own edit at once; the others hear the trigger's NOTIFY.
    deps.reference.changedOnCommit(trx, `application_types:${ctx.tenant.id}`)
    return { version, changed: true }
  })
}
