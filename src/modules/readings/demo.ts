import type { DemoTenantRef } from '../../module.ts'
import { DEMO_AMR_ACCOUNTS } from '../../simulator/amr.ts'
import { readingsSettings } from './settings.ts'

/** Nothing to write yet; a demo tenant with an AMR head-end gets its AMR users on the banner. */
export function seedReadingsDemo(_owner: unknown, tenant: DemoTenantRef): Promise<string[]> {
  const headEnd = readingsSettings.of(tenant).amrHeadEnd
  if (!headEnd) return Promise.resolve([])
  return Promise.resolve([
    `AMR (${headEnd}): ${DEMO_AMR_ACCOUNTS.map((a) => `${a.login} / ${a.password}`).join(', ')}`,
  ])
}
