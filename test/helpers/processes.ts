import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll } from 'vitest'
import { createTestApp, type TestApp } from './app.ts'
import { createTenant } from './factories.ts'
import { startSmtpSink, type SmtpSink } from './smtp.ts'

export interface TwoProcesses {
  smtp: SmtpSink
  /** Sends mail (its worker runs); `two` shares its database. */
  one: TestApp
  two: TestApp
  tenant: Awaited<ReturnType<typeof createTenant>>
}

/**
 * Two app instances on one database, as two processes of one deployment, with a mail sink
 * and an English-speaking tenant; started before the suite's tests and closed after them.
 */
export function twoProcesses(): TwoProcesses {
  const p = {} as TwoProcesses
  beforeAll(async () => {
    p.smtp = await startSmtpSink()
    p.one = await createTestApp({ smtpUrl: p.smtp.url, mailWorker: true })
    p.two = await createTestApp({ database: p.one.db })
    p.tenant = await createTenant(p.one.db.owner, { defaultLocale: 'en' })
  })
  afterAll(async () => {
    await p.two.close()
    await p.one.close()
    await p.smtp.close()
  })
  return p
}

/** Whether `check` came true within `ms` (asked every 20 ms): a change heard by another process. */
export async function eventually(check: () => Promise<boolean>, ms = 2_000): Promise<boolean> {
  const deadline = Date.now() + ms
  for (;;) {
    if (await check()) return true
    if (Date.now() >= deadline) return false
    await sleep(20)
  }
}
