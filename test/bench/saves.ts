import http from 'node:http'
import type { Knex } from 'knex'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { hashToken } from '../../src/platform/tokens.ts'
import { addDays, dayOf, deliveryDay } from '../../src/platform/time/intervals.ts'
import { runRequest, type Result } from './load.ts'

const TOKEN = `kb_0be0c000_${'b'.repeat(43)}`

/** One request with a Host of our choosing (fetch will not send one); its status and body. */
function send(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body = '',
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}${path}`, { method, headers }, (res) => {
      let text = ''
      res.on('data', (c: Buffer) => (text += c.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

/**
 * Issue 22's measure: a whole 96-interval day sent through the API (`PUT` with `If-Match`)
 * beside the same save through the day page's form, both the same unchanged day again and
 * again (each is checked in full — capacity, availability, precision — and compared with
 * the stored version), so the two paths differ only in how the request arrives.
 */
export async function benchDaySaves(opts: {
  url: string
  host: string
  owner: Knex
  tenantId: string
  unitId: string
  customerCookie: string
  zone: string
}): Promise<Result[]> {
  const { url, host } = opts
  const day = addDays(dayOf(new Date(), opts.zone), 3)
  const count = deliveryDay(day, opts.zone, 15).intervals.length
  const values = Array.from({ length: count }, (_, i) => (100 + (i % 40) * 7.5).toFixed(3))
  await withTenant(opts.owner, opts.tenantId, async (trx) => {
    const unit = await trx('generating_units')
      .where({ id: opts.unitId })
      .first<{ customer_id: string }>('customer_id')
    await trx('api_tokens').insert({
      tenant_id: opts.tenantId,
      account_id: unit.customer_id,
      created_by: unit.customer_id,
      name: 'bench',
      prefix: '0be0c000',
      token_hash: hashToken(TOKEN),
      scopes: ['schedules:read', 'schedules:write'],
      expires_at: new Date(Date.now() + 30 * 86_400_000),
    })
  })
  const path = `/api/v1/units/${opts.unitId}/days/${day}`
  const api = { host, authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }
  const body = JSON.stringify({ values })
  const first = await send(url, 'PUT', path, { ...api, 'if-match': '"v0"' }, body)
  if (first.status !== 200) throw new Error(`first PUT answered ${first.status}: ${first.body}`)

  const page = `/services/pgb/units/${opts.unitId}/days/${day}`
  const form = await send(url, 'GET', page, { host, cookie: opts.customerCookie })
  const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1]
  if (!csrf) throw new Error(`no form on the day page (${form.status})`)
  const fields = new URLSearchParams({ _csrf: csrf, action: 'approve', base: '1' })
  values.forEach((v, i) => fields.set(`v${i + 1}`, v))

  return [
    await runRequest('day save, page', url, {
      method: 'POST',
      path: page,
      headers: { host, cookie: opts.customerCookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: fields.toString(),
    }),
    await runRequest('day save, API PUT', url, {
      method: 'PUT',
      path,
      headers: { ...api, 'if-match': '"v1"' },
      body,
    }),
  ]
}
