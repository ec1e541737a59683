import { describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { registerConfirmed, signedIn } from '../helpers/accounts.ts'
import { eventually, twoProcesses } from '../helpers/processes.ts'

const PASSWORD = 'dwa procesy jeden zespół'

/**
 * Whom a person may act for is kept by each process between requests (issue 21: acting
 * costs no round trip). Two app instances on one database, as two processes: a colleague
 * removed through one is refused by the other at once, as soon as the change is heard.
 */
describe('acting for an account across processes', () => {
  const p = twoProcesses()

  it('a colleague removed through one process is refused by the other within moments', async () => {
    await registerConfirmed(p.one, p.smtp, p.tenant.host, 'owner@example.com', PASSWORD)
    await registerConfirmed(p.one, p.smtp, p.tenant.host, 'colleague@example.com', PASSWORD)
    const ids = await withTenant(p.one.db.owner, p.tenant.id, async (trx) => {
      const id = async (email: string) => (await trx('customers').where({ email }).first('id')).id as string
      return { owner: await id('owner@example.com'), colleague: await id('colleague@example.com') }
    })
    await withTenant(p.one.db.owner, p.tenant.id, (trx) =>
      trx('account_members').insert({
        tenant_id: p.tenant.id,
        account_id: ids.owner,
        person_id: ids.colleague,
        role: 'colleague',
        permissions: ['applications:view'],
      }),
    )
    // The colleague works through process two, which now keeps their standing.
    const colleague = await signedIn(p.two, p.tenant.host, 'colleague@example.com', PASSWORD)
    await colleague.get('/account/acting')
    expect((await colleague.post('/account/acting', { account: ids.owner })).status).toBe(303)
    const actingFor = async () =>
      (await colleague.get('/services/applications')).text.includes('data-testid="acting-for"')
    expect(await actingFor()).toBe(true)
    expect(await actingFor()).toBe(true)

    // The owner removes them through process one.
    const owner = await signedIn(p.one, p.tenant.host, 'owner@example.com', PASSWORD)
    const team = await owner.get('/account/colleagues')
    const member = /colleagues\/([0-9a-f-]{36})"/.exec(team.text)![1]!
    await owner.get(`/account/colleagues/${member}`)
    expect((await owner.post(`/account/colleagues/${member}/remove`)).status).toBe(303)
    // Back on their own account: the owner's applications are gone from their pages.
    expect(await eventually(async () => !(await actingFor()))).toBe(true)
  })
})
