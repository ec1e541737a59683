import request from 'supertest'
import { describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { createTestApp } from '../helpers/app.ts'
import { createOperator, operatorSignIn } from '../helpers/operators.ts'
import { eventually, twoProcesses } from '../helpers/processes.ts'

/**
 * The signed-in staff member is kept by each process between requests, as the signed-in
 * customer is (issue 18): two app instances on one database, as two processes.
 */
describe('the signed-in staff member kept per process', () => {
  const p = twoProcesses()

  it('is read once, and signed out in another process within moments of a new session epoch by any writer', async () => {
    const email = await createOperator(p.one, p.tenant.id, 'operator')
    const { agent } = await operatorSignIn(p.two, p.tenant.host, email)
    expect((await agent.get('/admin')).status).toBe(200)
    const seen: string[] = []
    const count = (q: { sql: string }) => void (/"operators"/.test(q.sql) && seen.push(q.sql))
    p.two.deps.db.on('query', count)
    try {
      expect((await agent.get('/admin')).status).toBe(200)
    } finally {
      p.two.deps.db.off('query', count)
    }
    expect(seen).toEqual([])

    // psql-like: the owner, outside every service; only the trigger tells process two (the
    // assignable staff's trigger does not fire for an epoch).
    await withTenant(p.one.db.owner, p.tenant.id, (trx) =>
      trx('operators')
        .where({ email })
        .update({ session_epoch: trx.raw('session_epoch + 1') }),
    )
    expect(await eventually(async () => (await agent.get('/admin')).status === 303)).toBe(true)
  })

  it('reads a kept row again before it signs anyone out: a session newer than what the process heard stays', async () => {
    const deaf = await createTestApp({ database: p.one.db })
    try {
      await deaf.deps.listener.close()
      const email = await createOperator(p.one, p.tenant.id, 'operator')
      const first = await operatorSignIn(deaf, p.tenant.host, email)
      expect((await first.agent.get('/admin')).status).toBe(200)
      await withTenant(p.one.db.owner, p.tenant.id, (trx) =>
        trx('operators')
          .where({ email })
          .update({ session_epoch: trx.raw('session_epoch + 1') }),
      )
      // Signed in again through process one: a session on the new epoch, which the deaf
      // process's kept row predates.
      const again = await operatorSignIn(p.one, p.tenant.host, email, first.secret)
      const onDeaf = await request(deaf.app)
        .get('/admin')
        .set('Host', p.tenant.host)
        .set('Cookie', again.cookie)
      expect(onDeaf.status).toBe(200)
    } finally {
      await deaf.close()
    }
  })

  it('takes an administrator’s rights away at once in the process that changed the role, without hearing its own change', async () => {
    // A process that hears no NOTIFY at all: only its own telling can make this pass.
    const deaf = await createTestApp({ database: p.one.db })
    try {
      await deaf.deps.listener.close()
      const chief = await createOperator(deaf, p.tenant.id, 'admin')
      const deputy = await createOperator(deaf, p.tenant.id, 'admin')
      const asChief = (await operatorSignIn(deaf, p.tenant.host, chief)).agent
      const asDeputy = (await operatorSignIn(deaf, p.tenant.host, deputy)).agent
      expect((await asDeputy.get('/admin/operators')).status).toBe(200)
      const { id: deputyId } = await withTenant(p.one.db.owner, p.tenant.id, (trx) =>
        trx('operators').where({ email: deputy }).first<{ id: string }>('id'),
      )
      await asChief.get('/admin/operators')
      expect(
        (await asChief.post(`/admin/operators/${deputyId}`, { action: 'role', role: 'operator' })).status,
      ).toBe(303)
      expect((await asDeputy.get('/admin/operators')).status).toBe(404)
      expect((await asDeputy.get('/admin')).status).toBe(200)
    } finally {
      await deaf.close()
    }
  })
})
