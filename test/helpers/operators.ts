import { randomUUID } from 'node:crypto'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { hashPassword } from '../../src/platform/passwords.ts'
import { totpCode } from '../../src/platform/totp.ts'
import type { TestApp } from './app.ts'
import { agentFor } from './agent.ts'

export const STAFF_PASSWORD = 'staff password for tests 1'

export async function createOperator(
  t: TestApp,
  tenantId: string,
  role: 'admin' | 'operator' = 'admin',
  email = `${randomUUID().slice(0, 8)}@staff.example`,
) {
  const password_hash = await hashPassword(STAFF_PASSWORD)
  await withTenant(t.db.owner, tenantId, (trx) =>
    trx('operators').insert({ tenant_id: tenantId, email, name: `Staff ${email}`, role, password_hash }),
  )
  return email
}

/** Signs an operator in the way a person does, enrolling TOTP on the first sign-in. Returns the agent and the secret. */
export async function operatorSignIn(t: TestApp, host: string, email: string, secret?: string) {
  const agent = agentFor(t.app, host)
  await agent.get('/admin/login')
  const first = await agent.post('/admin/login', { email, password: STAFF_PASSWORD })
  if (first.status !== 303) throw new Error(`staff password step failed: ${first.status}`)
  if (first.headers.location === '/admin/totp/setup') {
    const page = await agent.get('/admin/totp/setup')
    const found = /data-testid="totp-secret">([A-Z2-7]+)</.exec(page.text)?.[1]
    if (!found) throw new Error('no TOTP secret on the page')
    const done = await agent.post('/admin/totp/setup', { code: totpCode(found, t.clock.now()) })
    const codes = [...done.text.matchAll(/<code>([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})<\/code>/g)].map(
      (m) => m[1]!,
    )
    return {
      agent,
      secret: found,
      recoveryCodes: codes,
      cookie: String(done.headers['set-cookie']).split(';')[0]!,
    }
  }
  if (!secret) throw new Error('operator already enrolled: pass the secret')
  await agent.get('/admin/login/code')
  t.clock.advance(30_000)
  const code = await agent.post('/admin/login/code', { code: totpCode(secret, t.clock.now()) })
  if (code.status !== 303) throw new Error(`second factor failed: ${code.status}`)
  return {
    agent,
    secret,
    recoveryCodes: [] as string[],
    cookie: String(code.headers['set-cookie']).split(';')[0]!,
  }
}

/**
 * Signs operators in again and again within one test file: each one's TOTP secret, shown
 * at their first sign-in, is kept for the next.
 */
export function staffSignIns(): (
  t: TestApp,
  host: string,
  email: string,
) => Promise<ReturnType<typeof agentFor>> {
  const secrets: Record<string, string> = {}
  return async (t, host, email) => {
    const signed = await operatorSignIn(t, host, email, secrets[email])
    secrets[email] = signed.secret
    return signed.agent
  }
}
