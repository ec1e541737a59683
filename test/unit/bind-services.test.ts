import { describe, expect, it } from 'vitest'
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
})
