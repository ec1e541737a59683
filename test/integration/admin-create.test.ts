import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createFirstAdministrator } from '../../src/modules/operators/bootstrap.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { agentFor } from '../helpers/agent.ts'
import { pathOf } from '../helpers/accounts.ts'
import { createTenant } from '../helpers/factories.ts'

describe('npm run admin:create', () => {
  let t: TestApp
  let b: Awaited<ReturnType<typeof createTenant>>

  beforeAll(async () => {
    t = await createTestApp()
    b = await createTenant(t.db.owner, { name: 'Beta Grid' })
  })
  afterAll(() => t.close())

  it('admin:create makes the first administrator with a set-password link and no password', async () => {
    const result = await createFirstAdministrator(t.db.owner, t.deps.outbox, {
      slug: b.slug,
      email: 'first@beta.example',
      name: 'First Admin',
    })
    if (!('link' in result)) throw new Error(result.error)
    const agent = agentFor(t.app, b.host)
    await agent.get('/admin/login')
    expect(
      (await agent.post('/admin/login', { email: 'first@beta.example', password: 'anything at all 1' }))
        .status,
    ).toBe(422)
    const path = pathOf(result.link)
    await agent.get(path)
    expect(
      (
        await agent.post(path, {
          password: 'first admin chooses well 1',
          passwordConfirm: 'first admin chooses well 1',
        })
      ).status,
    ).toBe(303)
    await agent.get('/admin/login')
    expect(
      (
        await agent.post('/admin/login', {
          email: 'first@beta.example',
          password: 'first admin chooses well 1',
        })
      ).headers.location,
    ).toBe('/admin/totp/setup')
    expect(
      await createFirstAdministrator(t.db.owner, t.deps.outbox, {
        slug: b.slug,
        email: 'first@beta.example',
        name: 'Again',
      }),
    ).toEqual({ error: 'first@beta.example is already an operator of ' + b.slug })
    expect(
      await createFirstAdministrator(t.db.owner, t.deps.outbox, { slug: 'nope', email: 'x@y.z', name: 'X' }),
    ).toEqual({
      error: 'no tenant with slug "nope"',
    })
  })
})
