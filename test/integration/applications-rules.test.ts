import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { TP_WORKFLOW } from '../../src/modules/applications/workflows.ts'
import type { RequestContext } from '../../src/platform/context.ts'
import { applyTransition, type WorkflowRole } from '../../src/platform/workflow/index.ts'
import { registerConfirmed, signedIn } from '../helpers/accounts.ts'
import { PDF, PNG, TP15, multipart, seedType } from '../helpers/applications.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { createTenant } from '../helpers/factories.ts'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.ts'

const PASSWORD = 'słoneczny poranek 12'
const ROLES: WorkflowRole[] = ['customer', 'operator', 'admin']

/**
 * Seed 004's technological connection, written out by hand rather than read from the
 * workflow under test: every status, and every move each role may make.
 */
const TP_STATUSES = [
  'draft',
  'submitted',
  'inProgress',
  'contract',
  'works',
  'checking',
  'acts',
  'completed',
  'returned',
  'rejected',
  'withdrawn',
]
const STAFF_MOVES = [
  'submitted → inProgress',
  'inProgress → contract',
  'contract → works',
  'works → checking',
  'checking → acts',
  'acts → completed',
  'submitted → returned',
  'submitted → rejected',
  'inProgress → returned',
  'inProgress → rejected',
  'returned → rejected',
]
const TP_ALLOWED = new Set([
  'customer draft → submitted',
  'customer submitted → withdrawn',
  'customer returned → submitted',
  ...STAFF_MOVES.map((m) => `operator ${m}`),
  ...STAFF_MOVES.map((m) => `admin ${m}`),
])

describe('applications: the rules, exhaustively', () => {
  let smtp: SmtpSink
  let t: TestApp
  let tenant: Awaited<ReturnType<typeof createTenant>>
  let customerId: string
  let typeId: string

  beforeAll(async () => {
    smtp = await startSmtpSink()
    t = await createTestApp({ smtpUrl: smtp.url, mailWorker: true })
    tenant = await createTenant(t.db.owner, { modules: { applications: { maxFileMb: 1, maxFiles: 2 } } })
    await seedType(t.db.owner, tenant.id, 'tp15', TP15)
    await registerConfirmed(t, smtp, tenant.host, 'ewa@example.com', PASSWORD)
    await withTenant(t.db.owner, tenant.id, async (trx) => {
      customerId = (await trx('customers').first<{ id: string }>('id')).id
      typeId = (await trx('application_types').first<{ id: string }>('id')).id
    })
  })
  afterAll(async () => {
    await t.close()
    await smtp.close()
  })

  it('takes exactly the transitions the TP workflow allows, for each role from each status, and refuses every other', async () => {
    const wrong: string[] = []
    for (const from of TP_STATUSES)
      for (const to of TP_STATUSES)
        for (const role of ROLES) {
          const allowed = TP_ALLOWED.has(`${role} ${from} → ${to}`)
          const ctx: RequestContext = {
            tenant,
            actor: { type: role === 'customer' ? 'customer' : 'operator', id: null },
            locale: 'en',
            requestId: 'rules',
            ip: undefined,
          }
          const outcome = await withTenant(t.db.owner, tenant.id, async (trx) => {
            const [row] = await trx('applications')
              .insert({
                tenant_id: tenant.id,
                customer_id: customerId,
                type_id: typeId,
                type_code: 'tp15',
                status: from,
                content: '{}',
              })
              .returning<{ id: string }[]>('id')
            try {
              await applyTransition(
                trx,
                ctx,
                TP_WORKFLOW,
                { table: 'applications', type: 'application', id: row!.id },
                { to, expected: from, role, comment: 'reason', documents: { count: 1, field: 'staff' } },
              )
              return 'moved'
            } catch (err) {
              return (err as Error).constructor.name
            }
          })
          if ((outcome === 'moved') !== allowed) wrong.push(`${role} ${from} → ${to}: ${outcome}`)
        }
    expect(wrong).toEqual([])
  })

  it('refuses too many files and too large a file beside the field, and stores nothing', async () => {
    const ewa = await signedIn(t, tenant.host, 'ewa@example.com', PASSWORD)
    await ewa.get('/services/applications/new/tp15/form')
    const send = () =>
      multipart(ewa, '/services/applications/new/tp15')
        .field('text', 'Please')
        .field('f_capacity', '5')
        .field('f_address', 'Polna 1')
        .field('action', 'submit')
    const tooMany = await send()
      .attach('doc_plan', PDF, { filename: 'a.pdf' })
      .attach('doc_plan', PNG, { filename: 'b.png' })
      .attach('doc_plan', PDF, { filename: 'c.pdf' })
    expect(tooMany.status).toBe(422)
    expect(tooMany.text).toContain('href="#doc_plan"')
    const big = Buffer.concat([PDF, Buffer.alloc(1024 * 1024 + 1, 0x20)])
    await ewa.get('/services/applications/new/tp15/form')
    const tooLarge = await send().attach('doc_plan', big, { filename: 'big.pdf' })
    expect(tooLarge.status).toBe(422)
    expect(tooLarge.text).toContain('href="#doc_plan"')
    const counts = await withTenant(t.db.owner, tenant.id, async (trx) => ({
      applications: Number(
        (await trx('applications').whereNot({ content: '{}' }).count<{ n: string }[]>('* as n'))[0]!.n,
      ),
      files: Number((await trx('files').count<{ n: string }[]>('* as n'))[0]!.n),
    }))
    expect(counts).toEqual({ applications: 0, files: 0 })
  })
})
