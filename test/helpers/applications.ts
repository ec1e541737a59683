import type { Knex } from 'knex'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { TypeDefinition } from '../../src/modules/applications/definition.ts'
import type { agentFor } from './agent.ts'

/** The smallest real PDF header file-type recognises; enough for a scan in tests. */
export const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n')
export const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082',
  'hex',
)

/** A grid-connection type like seed 004's "individual up to 15 kW", with a required plan. */
export const TP15 = {
  name: { en: 'Connection up to 15 kW', ru: 'ТП до 15 кВт' },
  description: { en: 'A house' },
  info: { en: 'Timeline: four months.\n\nPayment: by the contract.' },
  prefix: 'TP',
  workflow: 'tp',
  reviewDays: 10,
  active: true,
  fields: [
    {
      code: 'capacity',
      kind: 'capacity',
      required: true,
      unit: 'kW',
      min: 0,
      max: 15,
      label: { en: 'Capacity' },
    },
    { code: 'address', kind: 'address', required: true, label: { en: 'Address' } },
    {
      code: 'voltage',
      kind: 'select',
      required: false,
      label: { en: 'Voltage' },
      options: [
        { code: 'v04', label: { en: '0.4 kV' } },
        { code: 'v10', label: { en: '10 kV' } },
      ],
    },
  ],
  documents: [{ code: 'plan', required: true, kinds: ['pdf', 'jpeg', 'png'], label: { en: 'Site plan' } }],
}

export const READING = {
  name: { en: 'Meter reading' },
  description: {},
  info: {},
  prefix: 'SP',
  workflow: 'short',
  reviewDays: 5,
  active: true,
  fields: [],
  documents: [],
}

/** Stores a type's version as an administrator's save would. */
export async function seedType(owner: Knex, tenantId: string, code: string, definition: object, version = 1) {
  await withTenant(owner, tenantId, (trx) =>
    trx('application_types').insert({
      tenant_id: tenantId,
      code,
      version,
      definition: JSON.stringify(TypeDefinition.parse(definition)),
    }),
  )
}

type Agent = ReturnType<typeof agentFor>

/**
 * Fills and posts an application form the way the browser does: multipart, CSRF in the
 * action, the form's one-time token, each file in its field.
 */
export async function postApplication(
  agent: Agent,
  path: string,
  fields: Record<string, string>,
  files: [field: string, name: string, body: Buffer][] = [],
  formPath?: string,
) {
  const page = await agent.get(formPath ?? `${path}/form`)
  const submission = /name="_submission" value="([^"]+)"/.exec(page.text)?.[1]
  let req = multipart(agent, path)
  const all = { ...(submission ? { _submission: submission } : {}), ...fields }
  for (const [k, v] of Object.entries(all)) req = req.field(k, v)
  for (const [field, name, body] of files) req = req.attach(field, body, { filename: name })
  return req
}

/** A multipart POST as the browser sends it from this host's page: Origin, Host, CSRF in the action. */
export function multipart(agent: Agent, path: string) {
  return agent.raw
    .post(`${path}?_csrf=${agent.csrfToken}`)
    .set('Host', agent.host)
    .set('Origin', `http://${agent.host}`)
}

/** Staff move an application with its page's status form: multipart, documents in `staff`. */
export async function moveAs(
  agent: Agent,
  id: string,
  form: Record<string, string>,
  documents: [string, Buffer][] = [],
) {
  await agent.get(`/admin/applications/${id}`)
  let req = multipart(agent, `/admin/applications/${id}/status`)
  for (const [k, v] of Object.entries(form)) req = req.field(k, v)
  for (const [name, content] of documents) req = req.attach('staff', content, { filename: name })
  return req
}

/** A customer sends a TP-like (capacity, address, plan) or a plain application; its number. */
export async function submitAs(agent: Agent, type: string, tp: boolean): Promise<string> {
  const fields: Record<string, string> = tp ? { f_capacity: '5', f_address: 'Lenina 1' } : {}
  const res = await postApplication(
    agent,
    `/services/applications/new/${type}`,
    { text: 'Please', action: 'submit', ...fields },
    tp ? [['doc_plan', 'plan.pdf', PDF]] : [],
  )
  if (res.status !== 303) throw new Error(`sending the application answered ${res.status}`)
  return /data-testid="number">([^<]+)</.exec((await agent.get(res.headers.location!)).text)![1]!
}

/** An application's row as the workflow and deadline tests look at it, by its number. */
export function applicationByNumber(owner: Knex, tenantId: string, number: string) {
  return withTenant(owner, tenantId, (trx) =>
    trx('applications').where({ number }).first<{
      id: string
      status: string
      due_on: string | null
      paused_days: number | null
      complete_by: string | null
      assignee_id: string | null
    }>(),
  )
}

/**
 * The first receipt of a tenant's applications, once the receipt job has made it (it
 * runs after the submission commits): waited for, up to `timeoutMs`.
 */
export async function firstReceipt(owner: Knex, tenantId: string, timeoutMs = 15_000): Promise<string> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const row = await withTenant(owner, tenantId, (trx) =>
      trx('application_receipts').first<{ id: string } | undefined>('id'),
    )
    if (row) return row.id
    if (Date.now() > until) throw new Error(`no receipt within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 100))
  }
}
