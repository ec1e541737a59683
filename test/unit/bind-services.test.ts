import { describe, expect, it } from 'vitest'
import type { RequestContext } from '../../src/platform/context.ts'
import { NotFoundError } from '../../src/platform/errors.ts'
import type { Representation } from '../../src/platform/representation.ts'
import { bindServices } from '../../src/platform/services.ts'

describe('bindServices', () => {
  it('gives each service its dependencies first and passes the caller’s arguments through', async () => {
    const deps = { prefix: 'tenant-a' }
    const calls: unknown[][] = []
    const services = bindServices(deps, {
      greet: (d: typeof deps, ctx: { id: number }, name: string) => {
        calls.push([d, ctx, name])
        return `${d.prefix}:${ctx.id}:${name}`
      },
      later: (d: typeof deps, n: number) => Promise.resolve(d.prefix.length + n),
    })
    expect(services.greet({ id: 7 }, 'Ala')).toBe('tenant-a:7:Ala')
    expect(calls).toEqual([[deps, { id: 7 }, 'Ala']])
    expect(await services.later(2)).toBe(10)
    expect(Object.keys(services)).toEqual(['greet', 'later'])
  })

  it('refuses a person acting for another account what their role there does not allow, before the service runs', () => {
    const ran: string[] = []
    const services = bindServices(
      {},
      {
        look: (_d: object, _ctx: RequestContext) => void ran.push('look'),
        send: (_d: object, _ctx: RequestContext) => void ran.push('send'),
        apply: (_d: object, _ctx: RequestContext, mode: 'draft' | 'approve') =>
          void ran.push(`apply ${mode}`),
      },
      {
        look: 'applications:view',
        send: 'applications:submit',
        apply: (_ctx, mode) => (mode === 'approve' ? 'pgb:approve' : 'pgb:edit'),
      },
    )
    const rep = (r: Pick<Representation, 'role' | 'permissions'>): Representation => ({
      accountId: 'company',
      accountName: 'Company',
      via: 'membership',
      ...r,
    })
    const as = (actor: Partial<RequestContext['actor']>) =>
      ({ actor: { type: 'customer', id: 'person', ...actor } }) as RequestContext
    const colleague = as({
      account: 'company',
      representation: rep({ role: 'colleague', permissions: ['applications:chat', 'pgb:edit'] }),
    })
    // Any permission of a service lets one see it; nothing else is implied.
    services.look(colleague)
    expect(() => services.send(colleague)).toThrow(NotFoundError)
    services.apply(colleague, 'draft')
    expect(() => services.apply(colleague, 'approve')).toThrow(NotFoundError)
    // Acting without a representation on record is allowed nothing.
    expect(() => services.look(as({ account: 'company' }))).toThrow(NotFoundError)
    // Their own account, staff and an administrator of the account pass.
    services.send(as({}))
    services.send(as({ type: 'operator' }))
    services.send(
      as({
        account: 'company',
        representation: rep({ role: 'administrator', permissions: [] }),
      }),
    )
    expect(ran).toEqual(['look', 'apply draft', 'send', 'send', 'send'])
  })
})
