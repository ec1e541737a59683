import { afterAll, beforeAll, expect } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { registerConfirmed, signedIn } from './accounts.ts'
import type { agentFor } from './agent.ts'
import { multipart, PDF } from './applications.ts'
import { createTestApp, type TestApp } from './app.ts'
import { createTenant } from './factories.ts'
import { createOperator, operatorSignIn } from './operators.ts'
import { startSmtpSink, type SmtpSink } from './smtp.ts'

export const MARKET_PASSWORD = 'Hubei!power2026'
type Agent = ReturnType<typeof agentFor>

/** Valid identifiers from the unit tests' hand-written tables (checksums worked by hand). */
export const USCC = '91110000600037341L'
export const OTHER_USCC = '91310115MA1K3BTP2B'
export const RESIDENT_ID = '11010519491231002X'

export const BASIC = {
  companyName: '湖北示范发电有限公司',
  dispatchName: '示范电厂',
  legalRepresentativeId: RESIDENT_ID,
}
export const CONTACTS = {
  contactName: '王工',
  contactPhone: '138 0013 8000',
  contactEmail: 'wang@example.com',
}

/**
 * A tenant offering the market service in China's region (phone numbers, policy) with an
 * administrator, and the steps the market tests take: a customer signs up, walks a wizard
 * step (Save or Next), uploads documents as a browser does, and staff decide.
 */
export async function marketEnv() {
  const smtp: SmtpSink = await startSmtpSink()
  const t: TestApp = await createTestApp({ smtpUrl: smtp.url, mailWorker: true })
  const tenant = await createTenant(t.db.owner, {
    enabledServices: ['market'],
    phoneRegion: 'CN',
    timeZone: 'Asia/Shanghai',
  })
  const admin: Agent = (await operatorSignIn(t, tenant.host, await createOperator(t, tenant.id, 'admin')))
    .agent
  const customer = async (email: string): Promise<Agent> => {
    await registerConfirmed(t, smtp, tenant.host, email, MARKET_PASSWORD)
    return signedIn(t, tenant.host, email, MARKET_PASSWORD)
  }
  const step = async (as: Agent, part: string, form: Record<string, string | string[]>, action = 'next') => {
    await as.get(`/services/market/registration/${part}`)
    return as.post(`/services/market/registration/${part}`, { ...form, action })
  }
  const upload = async (
    as: Agent,
    path: string,
    files: Record<string, [Buffer, string]>,
    action = 'save',
  ) => {
    await as.get(path)
    let req = multipart(as, path).field('action', action)
    for (const [field, [bytes, name]] of Object.entries(files))
      req = req.attach(field, bytes, { filename: name })
    return req
  }
  const memberOf = (email: string) =>
    withTenant(t.db.owner, tenant.id, (trx) =>
      trx('market_members as m')
        .join('customers as c', 'c.id', 'm.customer_id')
        .where('c.email', email)
        .first<Record<string, unknown>>('m.*'),
    )
  const decide = async (id: string, form: Record<string, string | string[]>) => {
    await admin.get(`/admin/market/${id}`)
    return admin.post(`/admin/market/${id}`, form)
  }
  /** A generation company's whole registration, every part valid, ready to complete. */
  const readyGenerator = async (as: Agent, basic = BASIC) => {
    for (const [part, form] of [
      ['type', { memberType: 'generator' }],
      ['basic', basic],
      ['business', { uscc: USCC, licenceExempt: 'no', licenceState: 'held', licenceNumber: '1042314-00123' }],
      ['contacts', CONTACTS],
      ['parameters', { installedCapacity: '350' }],
    ] as const) {
      const res = await step(as, part, form)
      expect(res.status, res.text).toBe(303)
    }
    const docs = await upload(as, '/services/market/registration/attachments', {
      uscc_certificate: [PDF, 'uscc.pdf'],
      legal_representative_id: [PDF, 'id.pdf'],
      power_licence: [PDF, 'licence.pdf'],
    })
    expect(docs.status, docs.text).toBe(303)
    const unit = await step(as, 'units', {
      name: '1号机组',
      unitType: 'thermal',
      capacity: '350',
      dispatchName: '示范1号',
      connectedOn: '2015-06-30',
    })
    expect(unit.status, unit.text).toBe(303)
    const unitPath = new URL(unit.headers.location!, 'http://x').pathname
    const approvals = await upload(as, unitPath, {
      construction_approval: [PDF, 'construction.pdf'],
      price_approval: [PDF, 'price.pdf'],
    })
    expect(approvals.status, approvals.text).toBe(303)
    return unitPath
  }
  const complete = async (as: Agent) => {
    await as.get('/services/market/registration')
    return as.post('/services/market/registration/complete')
  }
  return { t, smtp, tenant, admin, customer, step, upload, memberOf, decide, readyGenerator, complete }
}

/** A suite's market environment: started before its tests, closed after; each test asks for it. */
export function useMarketEnv(): () => Awaited<ReturnType<typeof marketEnv>> {
  let env: Awaited<ReturnType<typeof marketEnv>> | undefined
  beforeAll(async () => {
    env = await marketEnv()
  })
  afterAll(async () => {
    await env?.t.close()
    await env?.smtp.close()
  })
  return () => env!
}
