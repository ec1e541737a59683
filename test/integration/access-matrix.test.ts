import http from 'node:http'
import type { Knex } from 'knex'
import type { AddressInfo } from 'node:net'
import request, { type Response } from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import {
  ACTORS,
  CUSTOMER,
  OWNER,
  PUBLIC,
  STAFF,
  outcomeOf,
  routeKey,
  type Actor,
  type Agent,
  type Expectation,
  type Outcome,
} from '../helpers/access-matrix.ts'
import { registerConfirmed, signedIn } from '../helpers/accounts.ts'
import { PDF, TP15, firstReceipt, multipart, postApplication, seedType } from '../helpers/applications.ts'
import { agentFor, cookieOf } from '../helpers/agent.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { createTenant } from '../helpers/factories.ts'
import { insertMeter } from '../helpers/readings.ts'
import { createOperator, staffSignIns } from '../helpers/operators.ts'
import { listRoutes, type AppRoute } from '../helpers/routes.ts'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.ts'
import { insertUnit } from '../helpers/generation.ts'

const PASSWORD = 'słoneczny poranek 12'
const G = 'GET' as const
const P = 'POST' as const
const everyone = (o: Expectation[Actor]) => Object.fromEntries(ACTORS.map((a) => [a, o])) as Expectation
/** A PGB page: the owner is enrolled, the other customer is told how to get access (403). */
const PGB = (m: 'GET' | 'POST'): Expectation => ({ ...CUSTOMER(m), otherCustomer: 'denied' })
const foreignPost = (e: Expectation): Expectation => ({
  ...e,
  otherTenantAdmin: 'denied',
  otherTenantCustomer: 'denied',
})

/**
 * Every route of the app × every kind of visitor → what they get. A route the app has and
 * this table lacks fails the first test, so a new route cannot ship without its row.
 */
const MATRIX: Record<string, Expectation> = {
  'GET /livez': everyone('open'),
  'GET /readyz': everyone('open'),
  'GET /metrics': everyone('hidden'),
  'GET /': PUBLIC(G),
  'GET /tenant.css': PUBLIC(G),
  'GET /register': PUBLIC(G),
  'GET /register/password': PUBLIC(G),
  'POST /register/password': PUBLIC(P),
  'GET /register/account': PUBLIC(G),
  'POST /register/account': PUBLIC(P),
  'GET /register/done': PUBLIC(G),
  'GET /confirm/:token': PUBLIC(G),
  'POST /confirm/:token': PUBLIC(P),
  'GET /confirm-again': PUBLIC(G),
  'POST /confirm-again': PUBLIC(P),
  'GET /login': PUBLIC(G),
  'POST /login': PUBLIC(P),
  'POST /logout': PUBLIC(P),
  // The second step without a password step first sends everyone back to sign in.
  'GET /login/code': everyone('login'),
  'POST /login/code': foreignPost(everyone('login')),
  'GET /login/two-step': everyone('login'),
  'POST /login/two-step': foreignPost(everyone('login')),
  'GET /password/forgot': PUBLIC(G),
  'POST /password/forgot': PUBLIC(P),
  'GET /password/sent': PUBLIC(G),
  'GET /password/reset/:token': PUBLIC(G),
  'POST /password/reset/:token': PUBLIC(P),
  'GET /account/email/confirm/:token': PUBLIC(G),
  'POST /account/email/confirm/:token': PUBLIC(P),
  'GET /cabinet': CUSTOMER(G),
  'GET /account/profile': CUSTOMER(G),
  'POST /account/profile': CUSTOMER(P),
  'GET /account/password': CUSTOMER(G),
  'POST /account/password': CUSTOMER(P),
  'GET /account/email': CUSTOMER(G),
  'POST /account/email': CUSTOMER(P),
  'POST /account/sessions/end-others': CUSTOMER(P),
  'GET /developers/api': PUBLIC(G),
  'GET /account/api-tokens': CUSTOMER(G),
  'POST /account/api-tokens': CUSTOMER(P),
  // No token is named (the address keeps the owner's id, which is no token): nothing to revoke.
  'POST /account/api-tokens/:id/revoke': { ...CUSTOMER(P), owner: 'hidden', otherCustomer: 'hidden' },
  'GET /account/webhooks': CUSTOMER(G),
  'POST /account/webhooks': CUSTOMER(P),
  // Likewise no endpoint is named: the owner's own id is no webhook.
  'GET /account/webhooks/:id': { ...CUSTOMER(G), owner: 'hidden', otherCustomer: 'hidden' },
  'POST /account/webhooks/:id/test': { ...CUSTOMER(P), owner: 'hidden', otherCustomer: 'hidden' },
  'POST /account/webhooks/:id/delete': { ...CUSTOMER(P), owner: 'hidden', otherCustomer: 'hidden' },
  'GET /account/two-step': CUSTOMER(G),
  'POST /account/two-step': CUSTOMER(P),
  'POST /account/two-step/recovery-codes': CUSTOMER(P),
  'POST /account/two-step/off': CUSTOMER(P),
  'GET /access-request': PUBLIC(G),
  'POST /access-request': PUBLIC(P),
  'GET /access-request/sent': PUBLIC(G),
  'GET /enrol': PUBLIC(G),
  'POST /enrol': PUBLIC(P),
  'GET /enrol/account': PUBLIC(G),
  'POST /enrol/account': PUBLIC(P),
  // Organisations: an account's colleagues are for its administrators (its own login here).
  'GET /account/colleagues': CUSTOMER(G),
  'GET /account/colleagues/invite': CUSTOMER(G),
  'POST /account/colleagues/invite': CUSTOMER(P),
  'POST /account/colleagues/invitations/:id/:action': OWNER(P),
  'GET /account/colleagues/:id': OWNER(G),
  'POST /account/colleagues/:id': OWNER(P),
  'POST /account/colleagues/:id/remove': OWNER(P),
  'GET /account/acting': CUSTOMER(G),
  // Representation: the owner granted applications to `leaving` and to the other customer.
  'GET /account/representatives': CUSTOMER(G),
  'GET /account/representatives/new': CUSTOMER(G),
  'POST /account/representatives/new': CUSTOMER(P),
  'POST /account/representatives/:id/end': OWNER(P),
  'GET /account/represented': CUSTOMER(G),
  // The other customer holds the grant it ends; to the owner it is no grant of theirs.
  'POST /account/represented/:id/:action': { ...CUSTOMER(P), owner: 'hidden' },
  // An empty form names no account to act for.
  'POST /account/acting': { ...CUSTOMER(P), owner: 'hidden', otherCustomer: 'hidden' },
  // The link's page answers anyone (410 for a token that is not one); accepting needs a customer's login.
  'GET /invitations/:token': PUBLIC(G),
  'POST /invitations/:token': { ...PUBLIC(P), anonymous: 'login', clerk: 'login', admin: 'login' },
  'GET /account/services': CUSTOMER(G),
  'POST /account/services/default': CUSTOMER(P),
  'GET /account/services/:code/register': CUSTOMER(G),
  'POST /account/services/:code/register': CUSTOMER(P),
  // The owner was given applications by staff; the other customer has no service.
  // Open to every signed-in customer of the tenant (the default access mode).
  'GET /services/applications': CUSTOMER(G),
  // The owner was enrolled in PGB by staff; the other customer was not (PGB is by token here).
  'GET /services/pgb': PGB(G),
  'GET /services/pgb/units/:unit/days/:day': PGB(G),
  'POST /services/pgb/units/:unit/days/:day': PGB(P),
  'GET /services/pgb/units/:unit/days/:day/versions': PGB(G),
  'GET /services/pgb/units/:unit/availability': PGB(G),
  'POST /services/pgb/units/:unit/availability': PGB(P),
  'POST /services/pgb/units/:unit/availability/:id/withdraw': PGB(P),
  'GET /services/pgb/export': PGB(G),
  'GET /services/pgb/import': PGB(G),
  'POST /services/pgb/import': PGB(P),
  'GET /services/pgb/import/:id': PGB(G),
  'POST /services/pgb/import/:id': PGB(P),
  // Readings are open to every customer here; a meter and its photos are its owner's.
  'GET /services/readings': CUSTOMER(G),
  'GET /services/readings/amr': CUSTOMER(G),
  // This tenant has no AMR head-end: nothing to ask it.
  'POST /services/readings/amr': { ...CUSTOMER(P), owner: 'hidden', otherCustomer: 'hidden' },
  'GET /services/readings/meters/new': CUSTOMER(G),
  'POST /services/readings/meters/new': CUSTOMER(P),
  'GET /services/readings/meters/:id': OWNER(G),
  'POST /services/readings/meters/:id': OWNER(P),
  'GET /services/readings/meters/:id/readings.csv': OWNER(G),
  'GET /services/readings/meters/:id/intervals.csv': OWNER(G),
  'GET /services/readings/photos/:attachmentId': OWNER(G),
  'GET /admin/readings': STAFF(G),
  'GET /admin/readings/period.csv': STAFF(G),
  'GET /admin/readings/meters': STAFF(G),
  'GET /admin/readings/meters/import': STAFF(G),
  'POST /admin/readings/meters/import': STAFF(P),
  'GET /admin/readings/meters/import/:id': STAFF(G),
  // The preview has a problem (its customer is unknown): applying it is a conflict (409).
  'POST /admin/readings/meters/import/:id': STAFF(P),
  'POST /admin/readings/meters': STAFF(P),
  'GET /admin/readings/meters/:id': STAFF(G),
  'POST /admin/readings/meters/:id': STAFF(P),
  'POST /admin/readings/meters/:id/readings': STAFF(P),
  'GET /admin/readings/review': STAFF(G),
  'POST /admin/readings/review/:id': STAFF(P),
  'GET /admin/readings/export.csv': STAFF(G),
  'GET /admin/readings/photos/:attachmentId': STAFF(G),
  'GET /admin/readings/requests': STAFF(G),
  // An empty form names no action: the handler answers 404 to staff too.
  'POST /admin/readings/requests/:id': { ...STAFF(P), clerk: 'hidden', admin: 'hidden' },
  'GET /admin/readings/imports': STAFF(G),
  'POST /admin/readings/imports': STAFF(P),
  'GET /admin/readings/imports/:id': STAFF(G),
  'GET /admin/readings/imports/:id/live': STAFF(G),
  // Market: the owner's registration is with the centre (no part open, no service yet);
  // the other customer has none, so its steps and files are not there for them.
  'GET /services/market': { ...CUSTOMER(G), owner: 'denied', otherCustomer: 'denied' },
  'GET /services/market/registration': CUSTOMER(G),
  'GET /services/market/registration/type': CUSTOMER(G),
  'POST /services/market/registration/type': CUSTOMER(P),
  'GET /services/market/registration/basic': OWNER(G),
  'POST /services/market/registration/basic': OWNER(P),
  'GET /services/market/registration/business': OWNER(G),
  'POST /services/market/registration/business': OWNER(P),
  'GET /services/market/registration/contacts': OWNER(G),
  'POST /services/market/registration/contacts': OWNER(P),
  'GET /services/market/registration/parameters': OWNER(G),
  'POST /services/market/registration/parameters': OWNER(P),
  'GET /services/market/registration/attachments': OWNER(G),
  'POST /services/market/registration/attachments': OWNER(P),
  'POST /services/market/registration/attachments/:attachmentId/remove': OWNER(P),
  'GET /services/market/registration/files/:attachmentId': OWNER(G),
  'GET /services/market/registration/units': OWNER(G),
  'POST /services/market/registration/units': OWNER(P),
  'POST /services/market/registration/units/:id/remove': OWNER(P),
  'GET /services/market/registration/units/:id': OWNER(G),
  'POST /services/market/registration/units/:id': OWNER(P),
  'POST /services/market/registration/units/:id/files/:attachmentId/remove': OWNER(P),
  'POST /services/market/registration/complete': OWNER(P),
  // The metering-point query is a power user's while drafting; the owner is a generation company.
  'GET /services/market/registration/units/query': {
    ...CUSTOMER(G),
    owner: 'hidden',
    otherCustomer: 'hidden',
  },
  'POST /services/market/registration/units/query': {
    ...CUSTOMER(P),
    owner: 'hidden',
    otherCustomer: 'hidden',
  },
  'POST /services/market/registration/units/generate': {
    ...CUSTOMER(P),
    owner: 'hidden',
    otherCustomer: 'hidden',
  },
  // Retail binding is between approved members: the owner's registration is not approved yet.
  'GET /services/market/bindings': { ...CUSTOMER(G), owner: 'denied', otherCustomer: 'denied' },
  'GET /services/market/bindings/new': { ...CUSTOMER(G), owner: 'denied', otherCustomer: 'denied' },
  'POST /services/market/bindings/new': { ...CUSTOMER(P), owner: 'denied', otherCustomer: 'denied' },
  'GET /services/market/bindings/:id': { ...CUSTOMER(G), owner: 'denied', otherCustomer: 'denied' },
  'POST /services/market/bindings/:id/submit': { ...CUSTOMER(P), owner: 'denied', otherCustomer: 'denied' },
  'POST /services/market/bindings/:id/respond': { ...CUSTOMER(P), owner: 'denied', otherCustomer: 'denied' },
  'POST /services/market/bindings/:id/end': { ...CUSTOMER(P), owner: 'denied', otherCustomer: 'denied' },
  'GET /services/market/bindings/:id/files/:attachmentId': {
    ...CUSTOMER(G),
    owner: 'denied',
    otherCustomer: 'denied',
  },
  'GET /admin/market/bindings': STAFF(G),
  'GET /admin/market/bindings/:id': STAFF(G),
  'POST /admin/market/bindings/:id': STAFF(P),
  'GET /admin/market/bindings/:id/files/:attachmentId': STAFF(G),
  'GET /admin/market': STAFF(G),
  'GET /admin/market/:id': STAFF(G),
  'POST /admin/market/:id': STAFF(P),
  'GET /admin/market/:id/files/:attachmentId': STAFF(G),
  'GET /admin/enrolments': STAFF(G),
  'GET /admin/enrolments.csv': STAFF(G),
  'POST /admin/enrolments': STAFF(P),
  // An empty form names no action: the handler answers 404 to staff too.
  'POST /admin/enrolments/:id': { ...STAFF(P), clerk: 'hidden', admin: 'hidden' },
  'GET /admin/access-requests': STAFF(G),
  'GET /admin/access-requests.csv': STAFF(G),
  'GET /admin/access-requests/:id': STAFF(G),
  'POST /admin/customers/:id/services': { ...STAFF(P), clerk: 'hidden', admin: 'hidden' },
  'GET /admin/login': PUBLIC(G),
  'POST /admin/login': PUBLIC(P),
  // Second-factor pages without a password step first send everyone back to sign in.
  'GET /admin/login/code': everyone('staffLogin'),
  'POST /admin/login/code': foreignPost(everyone('staffLogin')),
  'GET /admin/totp/setup': everyone('staffLogin'),
  'POST /admin/totp/setup': foreignPost(everyone('staffLogin')),
  'POST /admin/logout': foreignPost(everyone('staffLogin')),
  'GET /admin/set-password/:token': PUBLIC(G),
  'POST /admin/set-password/:token': PUBLIC(P),
  'GET /admin': STAFF(G),
  'GET /admin/operators': STAFF(G, true),
  'GET /admin/operators.csv': STAFF(G, true),
  'POST /admin/operators': STAFF(P, true),
  'POST /admin/operators/:id': STAFF(P, true),
  'GET /admin/customers': STAFF(G),
  'GET /admin/customers.csv': STAFF(G),
  'GET /admin/customers/:id': STAFF(G),
  'POST /admin/customers/:id': { ...STAFF(P), clerk: 'hidden', admin: 'hidden' },
  'GET /admin/customers/:id/people': STAFF(G),
  'GET /admin/customers/:id/api-tokens': STAFF(G),
  // No token is named (':token' becomes a made-up string): staff find nothing to revoke.
  'POST /admin/customers/:id/api-tokens/:token/revoke': { ...STAFF(P), clerk: 'hidden', admin: 'hidden' },
  // No grant is named (the address keeps ':grant'): staff find nothing to end.
  'POST /admin/customers/:id/people/grants/:grant/end': { ...STAFF(P), clerk: 'hidden', admin: 'hidden' },
  'GET /admin/settings': STAFF(G, true),
  'GET /admin/audit': STAFF(G, true),
  'GET /admin/audit.csv': STAFF(G, true),
  'POST /admin/settings': STAFF(P, true),
  'GET /admin/calendar': STAFF(G, true),
  'POST /admin/calendar/:year/day': STAFF(P, true),
  'POST /admin/calendar/:year/import': STAFF(P, true),
  // Applications: open to every signed-in customer; an application is its owner's and staff's.
  'GET /services/applications/new': CUSTOMER(G),
  'GET /services/applications/forms': CUSTOMER(G),
  'GET /services/applications/forms/:id': CUSTOMER(G),
  'GET /services/applications/new/:type': CUSTOMER(G),
  'GET /services/applications/new/:type/form': CUSTOMER(G),
  'POST /services/applications/new/:type': CUSTOMER(P),
  'GET /services/applications/:id': OWNER(G),
  'GET /services/applications/:id/sent': OWNER(G),
  'GET /services/applications/:id/edit': OWNER(G),
  // The owner's application is submitted: an edit form for it is stale (409), not missing.
  'POST /services/applications/:id/edit': OWNER(P),
  'POST /services/applications/:id/withdraw': OWNER(P),
  // Nothing waits for the owner's confirmation: confirming or declining it is stale (409).
  'POST /services/applications/:id/confirm': OWNER(P),
  'POST /services/applications/:id/decline': OWNER(P),
  'POST /services/applications/:id/messages': OWNER(P),
  'POST /services/applications/:id/accept': OWNER(P),
  'GET /services/applications/:id/live': OWNER(G),
  // A read marker needs the message number: an empty form names none, 404 to the owner too.
  'POST /services/applications/:id/read': { ...OWNER(P), owner: 'hidden' },
  'GET /services/applications/:id/files/:attachmentId': OWNER(G),
  'GET /services/applications/:id/receipts/:receiptId': OWNER(G),
  'GET /admin/applications': STAFF(G),
  'GET /admin/applications.csv': STAFF(G),
  'GET /admin/applications/:id': STAFF(G),
  'POST /admin/applications/:id/status': STAFF(P),
  'POST /admin/applications/:id/assign': STAFF(P),
  'POST /admin/applications/:id/documents': STAFF(P),
  'POST /admin/applications/:id/messages': STAFF(P),
  'POST /admin/applications/:id/notes': STAFF(P),
  'GET /admin/applications/:id/live': STAFF(G),
  'POST /admin/applications/:id/read': { ...STAFF(P), clerk: 'hidden', admin: 'hidden' },
  'GET /admin/applications/:id/files/:attachmentId': STAFF(G),
  'GET /admin/applications/:id/receipts/:receiptId': STAFF(G),
  'GET /admin/standard-forms': STAFF(G, true),
  'POST /admin/standard-forms': STAFF(P, true),
  'GET /admin/standard-forms/:id': STAFF(G, true),
  'GET /admin/application-types': STAFF(G, true),
  'POST /admin/application-types': STAFF(P, true),
  'GET /admin/application-types/:code': STAFF(G, true),
  'GET /admin/generation': STAFF(G),
  'GET /admin/generation/export': STAFF(G),
  'GET /admin/generation/schedules/:id': STAFF(G),
  'POST /admin/generation/schedules/:id': { ...STAFF(P), clerk: 'hidden', admin: 'hidden' },
  'GET /admin/generation/units': STAFF(G),
  'POST /admin/generation/units': STAFF(P),
  'GET /admin/generation/units/:id': STAFF(G),
  'POST /admin/generation/units/:id': STAFF(P),
  'POST /admin/application-types/:code': STAFF(P, true),
}

/** A live stream never ends: its outcome is read from the response head, then the stream is dropped. */
function streamOutcome(server: http.Server, host: string, path: string, cookie: string): Promise<string> {
  const { port } = server.address() as AddressInfo
  return new Promise((resolve, reject) => {
    const req = http.get(
      { port, path, headers: { Host: host, Cookie: cookie, Accept: 'text/event-stream' } },
      (res) => {
        const status = res.statusCode ?? 0
        const location = String(res.headers.location ?? '')
        req.destroy()
        resolve(
          status >= 500
            ? `error ${status}`
            : status === 404
              ? 'hidden'
              : status === 403
                ? 'denied'
                : location.startsWith('/admin/login')
                  ? 'staffLogin'
                  : location.startsWith('/login')
                    ? 'login'
                    : 'open',
        )
      },
    )
    req.on('error', reject)
  })
}

/**
 * Real forms for the routes that change a record by its id, so a visitor with another
 * tenant's id gets past validation to the lookup: a leak would change that tenant's data.
 */
const REAL_FORMS: Record<string, Record<string, string>> = {
  'POST /admin/operators/:id': { action: 'disable' },
  'POST /admin/customers/:id': { action: 'disable' },
  'POST /admin/customers/:id/services': { service: 'pgb', action: 'add' },
  'POST /admin/enrolments/:id': { action: 'revoke' },
  'POST /admin/applications/:id/status': { to: 'inProgress', expected: 'submitted', comment: '' },
  'POST /admin/applications/:id/assign': { assignee: 'me' },
  'POST /admin/applications/:id/messages': { body: 'Hello' },
  'POST /admin/applications/:id/notes': { note: 'Theirs now' },
  'POST /admin/applications/:id/read': { n: '1' },
  'POST /services/applications/:id/messages': { body: 'Hello' },
  'POST /account/colleagues/:id': { role: 'administrator' },
  'POST /services/applications/:id/accept': { signer: 'Jan Kowalski', confirm: 'yes', document: 'x' },
  'POST /services/applications/:id/withdraw': { expected: 'submitted' },
  'POST /services/applications/:id/read': { n: '1' },
  'POST /admin/generation/schedules/:id': { to: 'accepted', version: '0', comment: '' },
  'POST /services/pgb/import/:id': { mode: 'draft' },
  'POST /admin/readings/review/:id': { decision: 'rejected', note: 'Not yours' },
  'POST /admin/readings/requests/:id': { action: 'decline', note: 'Not yours' },
  'POST /admin/readings/meters/:id/readings': {
    day: '2026-11-20',
    'zone-total': '9',
    operatorReason: 'Theirs',
  },
  'POST /services/readings/meters/:id': { day: '2026-11-20', 'zone-total': '9' },
  'POST /admin/market/:id': { decision: 'rejected', comment: 'Not yours' },
  'POST /admin/market/bindings/:id': { decision: 'rejected', comment: 'Not yours' },
  'POST /services/pgb/units/:unit/availability': {
    from: '2026-12-01T10:00',
    to: '2026-12-01T12:00',
    available: '0',
    reason: 'Maintenance',
  },
}

/** A unit's availability declaration (a day in December, nothing available), for its id. */
async function declaration(trx: Knex.Transaction, tenantId: string, unitId: string): Promise<string> {
  const [row] = await trx('unit_availability')
    .insert({
      tenant_id: tenantId,
      unit_id: unitId,
      period: trx.raw(`tstzrange('2026-12-02T09:00Z', '2026-12-02T13:00Z')`),
      available_kw: 0,
      reason: 'Inspection',
    })
    .returning<{ id: string }[]>('id')
  return row!.id
}

/**
 * A single-rate meter of `customerId` with a reading under review and its photo (the file
 * of an application's attachment, attached again), for the readings routes' ids.
 */
async function meterUnderReview(
  trx: Knex.Transaction,
  tenantId: string,
  customerId: string,
  attachmentId: string,
) {
  const meterId = await insertMeter(trx, tenantId, customerId, 'M-1')
  const [reading] = await trx('meter_readings')
    .insert({
      tenant_id: tenantId,
      meter_id: meterId,
      read_on: '2026-11-15',
      source: 'customer',
      status: 'review',
      review_reason: 'other',
    })
    .returning<{ id: string }[]>('id')
  await trx('meter_reading_values').insert({
    tenant_id: tenantId,
    reading_id: reading!.id,
    zone: 'total',
    value: '10',
  })
  const { file_id } = await trx('attachments').where({ id: attachmentId }).first('file_id')
  const [photo] = await trx('attachments')
    .insert({
      tenant_id: tenantId,
      file_id,
      owner_type: 'meter-reading',
      owner_id: reading!.id,
      field: 'photo',
    })
    .returning<{ id: string }[]>('id')
  const [amrImport] = await trx('amr_imports')
    .insert({ tenant_id: tenantId, total_bytes: 0, files: 0, status: 'done' })
    .returning<{ id: string }[]>('id')
  const [meterRequest] = await trx('meter_requests')
    .insert({ tenant_id: tenantId, customer_id: customerId, number: 'M-2', object: 'Polna 1', tariff: 'T1' })
    .returning<{ id: string }[]>('id')
  const [meterImport] = await trx('meter_imports')
    .insert({
      tenant_id: tenantId,
      file_name: 'meters.csv',
      rows: JSON.stringify([]),
      problems: JSON.stringify([
        { line: 2, column: 'customer_email', key: 'readings.meters.errors.customer' },
      ]),
    })
    .returning<{ id: string }[]>('id')
  return {
    meterImport: meterImport!.id,
    meter: meterId,
    reading: reading!.id,
    photo: photo!.id,
    amrImport: amrImport!.id,
    meterRequest: meterRequest!.id,
  }
}

/**
 * A generation company's registration of `customerId`, sent to the centre, with a
 * generating unit and a document on each (the file of an application's attachment,
 * attached again), for the market routes' ids.
 */
/**
 * Colleagues of an account: `colleague` acts for it, `leaving` too (removed by the matrix),
 * and an invitation is open.
 */
async function colleagues(
  trx: Knex.Transaction,
  tenantId: string,
  accountId: string,
  colleague: string,
  leaving: string,
): Promise<Record<string, string>> {
  const members = await trx('account_members')
    .insert(
      [colleague, leaving].map((person) => ({
        tenant_id: tenantId,
        account_id: accountId,
        person_id: person,
        role: 'colleague',
        permissions: ['applications:view'],
      })),
    )
    .returning<{ id: string }[]>('id')
  const [invitation] = await trx('account_invitations')
    .insert({
      tenant_id: tenantId,
      account_id: accountId,
      email: `invited-${tenantId}@example.com`,
      role: 'administrator',
      token_hash: `matrix-${tenantId}`,
      expires_at: new Date('2030-01-01T00:00:00Z'),
    })
    .returning<{ id: string }[]>('id')
  const grants = await trx('representation_grants')
    .insert(
      [leaving, colleague].map((person) => ({
        tenant_id: tenantId,
        grantor_id: accountId,
        representative_email: `rep-${person}@example.com`,
        representative_id: person,
        service: 'applications',
        permissions: ['applications:view'],
        status: 'active',
        period: trx.raw(`tstzrange('2026-11-01', '2027-11-01', '[)')`),
      })),
    )
    .returning<{ id: string }[]>('id')
  return {
    colleague: members[0]!.id,
    leavingColleague: members[1]!.id,
    invitation: invitation!.id,
    grantGiven: grants[0]!.id,
    grantHeld: grants[1]!.id,
  }
}

async function marketRegistration(
  trx: Knex.Transaction,
  tenantId: string,
  customerId: string,
  attachmentId: string,
  supplierEmail: string,
) {
  const [member] = await trx('market_members')
    .insert({
      tenant_id: tenantId,
      customer_id: customerId,
      member_type: 'generator',
      status: 'submitted',
      company_name: 'Hubei Demo Power',
      saved_parts: ['basic', 'business', 'contacts', 'parameters'],
      submitted_at: new Date(),
    })
    .returning<{ id: string }[]>('id')
  const [unit] = await trx('market_units')
    .insert({
      tenant_id: tenantId,
      member_id: member!.id,
      kind: 'generating',
      name: 'Unit 1',
      unit_type: 'thermal',
      capacity_mw: '350',
      dispatch_name: 'U1',
      connected_on: '2015-06-30',
    })
    .returning<{ id: string }[]>('id')
  const { file_id } = await trx('attachments').where({ id: attachmentId }).first('file_id')
  const [memberFile] = await trx('attachments')
    .insert({
      tenant_id: tenantId,
      file_id,
      owner_type: 'market-member',
      owner_id: member!.id,
      field: 'other',
    })
    .returning<{ id: string }[]>('id')
  const [unitFile] = await trx('attachments')
    .insert({
      tenant_id: tenantId,
      file_id,
      owner_type: 'market-unit',
      owner_id: unit!.id,
      field: 'price_approval',
    })
    .returning<{ id: string }[]>('id')
  // An approved supplier's binding of the member, confirmed and waiting for the centre.
  const supplierCustomer = await trx('customers').where({ email: supplierEmail }).first<{ id: string }>('id')
  const [supplier] = await trx('market_members')
    .insert({
      tenant_id: tenantId,
      customer_id: supplierCustomer.id,
      member_type: 'supplier',
      status: 'approved',
      company_name: 'Retail Supply Co',
    })
    .returning<{ id: string }[]>('id')
  const [binding] = await trx('retail_bindings')
    .insert({
      tenant_id: tenantId,
      supplier_id: supplier!.id,
      user_id: member!.id,
      period: trx.raw(`daterange('2027-01-01', '2027-12-31', '[]')`),
      contract_ref: 'HT-1',
      status: 'awaiting_centre',
      submitted_at: new Date(),
    })
    .returning<{ id: string }[]>('id')
  const [bindingFile] = await trx('attachments')
    .insert({
      tenant_id: tenantId,
      file_id,
      owner_type: 'retail-binding',
      owner_id: binding!.id,
      field: 'contract',
    })
    .returning<{ id: string }[]>('id')
  return {
    member: member!.id,
    marketUnit: unit!.id,
    memberFile: memberFile!.id,
    unitFile: unitFile!.id,
    binding: binding!.id,
    bindingFile: bindingFile!.id,
  }
}

/** Routes that end the session they are called with: each cell gets a fresh session. */
const SESSION_ENDING = new Set(['POST /logout', 'POST /admin/logout'])

describe('access matrix: every route × every kind of visitor', () => {
  let smtp: SmtpSink
  let t: TestApp
  let a: Awaited<ReturnType<typeof createTenant>>
  let b: Awaited<ReturnType<typeof createTenant>>
  let routes: AppRoute[]
  let server: http.Server
  const ids: Record<string, string> = {}
  /** Tenant b's records of the same kinds. */
  const foreignIds: Record<string, string> = {}
  const signIn: Record<Actor, () => Promise<Agent>> = {} as never

  beforeAll(async () => {
    smtp = await startSmtpSink()
    t = await createTestApp({ smtpUrl: smtp.url, mailWorker: true })
    a = await createTenant(t.db.owner, { enabledServices: ['applications', 'pgb', 'readings', 'market'] })
    b = await createTenant(t.db.owner, { enabledServices: ['applications', 'pgb', 'readings', 'market'] })
    await registerConfirmed(t, smtp, a.host, 'owner@example.com', PASSWORD)
    await registerConfirmed(t, smtp, a.host, 'other@example.com', PASSWORD)
    await registerConfirmed(t, smtp, b.host, 'stranger@example.com', PASSWORD)
    // Retail suppliers of each tenant, for a binding's parties (they never sign in here).
    await registerConfirmed(t, smtp, a.host, 'supplier-a@example.com', PASSWORD)
    await registerConfirmed(t, smtp, b.host, 'supplier-b@example.com', PASSWORD)
    const adminEmail = await createOperator(t, a.id, 'admin')
    const clerkEmail = await createOperator(t, a.id, 'operator')
    const foreignEmail = await createOperator(t, b.id, 'admin')
    const signInStaff = staffSignIns()
    const staff = (host: string, email: string) => signInStaff(t, host, email)
    Object.assign(signIn, {
      anonymous: () => Promise.resolve(agentFor(t.app, a.host)),
      owner: () => signedIn(t, a.host, 'owner@example.com', PASSWORD),
      otherCustomer: () => signedIn(t, a.host, 'other@example.com', PASSWORD),
      clerk: () => staff(a.host, clerkEmail),
      admin: () => staff(a.host, adminEmail),
      otherTenantAdmin: () => staff(b.host, foreignEmail),
      otherTenantCustomer: () => signedIn(t, b.host, 'stranger@example.com', PASSWORD),
    })

    const admin = await signIn.admin()
    const visitor = agentFor(t.app, a.host)
    await visitor.get('/access-request')
    await visitor.post('/access-request', {
      service: 'pgb',
      company: 'Farma',
      email: 'farma@example.com',
      phone: '+48 512 345 678',
    })
    await withTenant(t.db.owner, a.id, async (trx) => {
      ids.owner = String((await trx('customers').where({ email: 'owner@example.com' }).first('id')).id)
      ids.request = String((await trx('access_requests').first('id')).id)
      ids.clerk = String((await trx('operators').where({ email: clerkEmail }).first('id')).id)
    })
    await admin.get(`/admin/customers/${ids.owner}`)
    await admin.post(`/admin/customers/${ids.owner}/services`, { service: 'applications', action: 'add' })
    await admin.get(`/admin/customers/${ids.owner}`)
    await admin.post(`/admin/customers/${ids.owner}/services`, { service: 'pgb', action: 'add' })
    await admin.get('/admin/enrolments')
    await admin.post('/admin/enrolments', {
      service: 'pgb',
      company: 'Farma',
      email: 'farma@example.com',
      phone: '+48 512 345 678',
    })
    await withTenant(t.db.owner, a.id, async (trx) => {
      ids.enrolment = String((await trx('enrolments').first('id')).id)
    })

    // An application of the owner's, with a file, and a standard form in the library.
    await seedType(t.db.owner, a.id, 'tp15', TP15)
    const owner = await signIn.owner()
    const sent = await postApplication(
      owner,
      '/services/applications/new/tp15',
      {
        text: 'Connect my house',
        f_capacity: '10',
        f_address: 'Polna 1',
        action: 'submit',
      },
      [['doc_plan', 'plan.pdf', PDF]],
    )
    expect(sent.status).toBe(303)
    await admin.get('/admin/standard-forms')
    const form = await multipart(admin, '/admin/standard-forms')
      .field('kind', 'application')
      .field('typeCode', 'tp15')
      .field('title_en', 'Application form')
      .attach('file', PDF, { filename: 'form.pdf' })
    expect(form.status).toBe(303)
    await withTenant(t.db.owner, a.id, async (trx) => {
      ids.application = String((await trx('applications').first('id')).id)
      ids.attachment = String((await trx('attachments').where({ owner_type: 'application' }).first('id')).id)
      ids.form = String((await trx('standard_forms').first('id')).id)
      // A generating unit of the owner's, and an (empty) import of theirs waiting for confirmation.
      ids.unit = await insertUnit(trx, a.id, ids.owner!)
      ids.availability = await declaration(trx, a.id, ids.unit)
      // A day of it approved as version 1, for staff to review.
      const [schedule] = await trx('schedules')
        .insert({ tenant_id: a.id, unit_id: ids.unit, day: '2026-11-23', status: 'submitted', version: 1 })
        .returning<{ id: string }[]>('id')
      ids.schedule = schedule!.id
      await trx('schedule_versions').insert({
        tenant_id: a.id,
        schedule_id: schedule!.id,
        version: 1,
        status: 'submitted',
        resolution: 60,
        first_start: '2026-11-22T23:00:00Z',
        values: Array(24).fill(10),
        total: 240,
      })
      const [preview] = await trx('schedule_imports')
        .insert({
          tenant_id: a.id,
          customer_id: ids.owner,
          file_name: 'empty.csv',
          rows: JSON.stringify({ days: [], problems: [] }),
        })
        .returning<{ id: string }[]>('id')
      ids.import = preview!.id
      Object.assign(ids, await meterUnderReview(trx, a.id, ids.owner!, ids.attachment))
      const person = async (email: string) => String((await trx('customers').where({ email }).first('id')).id)
      Object.assign(
        ids,
        await colleagues(
          trx,
          a.id,
          ids.owner!,
          await person('other@example.com'),
          await person('supplier-a@example.com'),
        ),
      )
      Object.assign(
        ids,
        await marketRegistration(trx, a.id, ids.owner!, ids.attachment, 'supplier-a@example.com'),
      )
    })
    ids.receipt = await firstReceipt(t.db.owner, a.id)
    // The same kinds of record in tenant b, for visitors of tenant a to try by id.
    await seedType(t.db.owner, b.id, 'tp15', TP15)
    const stranger = await signIn.otherTenantCustomer()
    const theirs = await postApplication(
      stranger,
      '/services/applications/new/tp15',
      { text: 'Connect my barn', f_capacity: '5', f_address: 'Leśna 2', action: 'submit' },
      [['doc_plan', 'plan.pdf', PDF]],
    )
    expect(theirs.status).toBe(303)
    const bAdmin = await signIn.otherTenantAdmin()
    await bAdmin.get('/admin/standard-forms')
    const bForm = await multipart(bAdmin, '/admin/standard-forms')
      .field('kind', 'application')
      .field('typeCode', 'tp15')
      .field('title_en', 'Their form')
      .attach('file', PDF, { filename: 'form.pdf' })
    expect(bForm.status).toBe(303)
    await bAdmin.get('/admin/enrolments')
    await bAdmin.post('/admin/enrolments', {
      service: 'pgb',
      company: 'Ich farma',
      email: 'ich@example.com',
      phone: '+48 512 345 679',
    })
    const bVisitor = agentFor(t.app, b.host)
    await bVisitor.get('/access-request')
    await bVisitor.post('/access-request', {
      service: 'pgb',
      company: 'Ich farma',
      email: 'ich2@example.com',
      phone: '+48 512 345 670',
    })
    await withTenant(t.db.owner, b.id, async (trx) => {
      const customer = String(
        (await trx('customers').where({ email: 'stranger@example.com' }).first('id')).id,
      )
      foreignIds.customer = customer
      foreignIds.operator = String((await trx('operators').first('id')).id)
      foreignIds.application = String((await trx('applications').first('id')).id)
      foreignIds.attachment = String(
        (await trx('attachments').where({ owner_type: 'application' }).first('id')).id,
      )
      foreignIds.form = String((await trx('standard_forms').first('id')).id)
      foreignIds.enrolment = String((await trx('enrolments').first('id')).id)
      foreignIds.request = String((await trx('access_requests').first('id')).id)
      foreignIds.unit = await insertUnit(trx, b.id, customer, { code: 'PV-9', name: 'Theirs' })
      foreignIds.availability = await declaration(trx, b.id, foreignIds.unit)
      const [schedule] = await trx('schedules')
        .insert({ tenant_id: b.id, unit_id: foreignIds.unit, day: '2026-11-23', status: 'draft' })
        .returning<{ id: string }[]>('id')
      foreignIds.schedule = schedule!.id
      const [preview] = await trx('schedule_imports')
        .insert({
          tenant_id: b.id,
          customer_id: customer,
          file_name: 'theirs.csv',
          rows: JSON.stringify({ days: [], problems: [] }),
        })
        .returning<{ id: string }[]>('id')
      foreignIds.import = preview!.id
      Object.assign(foreignIds, await meterUnderReview(trx, b.id, customer, foreignIds.attachment))
      const supplier = String(
        (await trx('customers').where({ email: 'supplier-b@example.com' }).first('id')).id,
      )
      const leaving = (
        await trx('customers')
          .insert({ tenant_id: b.id, email: 'leaving-b@example.com', status: 'active' })
          .returning<{ id: string }[]>('id')
      )[0]!.id
      Object.assign(foreignIds, await colleagues(trx, b.id, customer, supplier, leaving))
      Object.assign(
        foreignIds,
        await marketRegistration(trx, b.id, customer, foreignIds.attachment, 'supplier-b@example.com'),
      )
    })
    foreignIds.receipt = await firstReceipt(t.db.owner, b.id)
    server = t.app.listen(0)
    await new Promise((r) => server.once('listening', r))
    // The public API answers bearer tokens, not sessions: api-access.test.ts holds its matrix.
    routes = listRoutes(t.app).filter((r) => !r.path.startsWith('/api/'))
  })
  afterAll(async () => {
    server.closeAllConnections()
    server.close()
    await t.close()
    await smtp.close()
  })

  const attachmentFor = (path: string, from: Record<string, string>) =>
    path.includes('/readings/photos/')
      ? from.photo!
      : path.includes('/units/:id/files/')
        ? from.unitFile!
        : path.includes('/bindings/')
          ? from.bindingFile!
          : path.includes('market')
            ? from.memberFile!
            : from.attachment!

  function concrete(path: string, from = ids): string {
    const prefixes: [string, string | undefined][] = [
      ['/admin/customers/', from.owner ?? from.customer],
      ['/account/colleagues/invitations/', from.invitation],
      ['/account/representatives/', from.grantGiven],
      ['/account/represented/', from.grantHeld],
      ['/account/colleagues/', path.endsWith('/remove') ? from.leavingColleague : from.colleague],
      ['/admin/access-requests/', from.request],
      ['/admin/enrolments/', from.enrolment],
      ['/services/applications/forms/', from.form],
      ['/services/pgb/import/', from.import],
      ['/admin/generation/units/', from.unit],
      ['/admin/generation/schedules/', from.schedule],
      ['/admin/standard-forms/', from.form],
      ['/services/applications/', from.application],
      ['/admin/applications/', from.application],
      ['/services/readings/meters/', from.meter],
      ['/admin/readings/meters/import/', from.meterImport],
      ['/admin/readings/meters/', from.meter],
      ['/admin/readings/review/', from.reading],
      ['/admin/readings/imports/', from.amrImport],
      ['/admin/readings/requests/', from.meterRequest],
      ['/services/market/registration/units/', from.marketUnit],
      ['/services/market/bindings/', from.binding],
      ['/admin/market/bindings/', from.binding],
      ['/admin/market/', from.member],
    ]
    const id = path.includes('/availability/:id')
      ? from.availability
      : (prefixes.find(([prefix]) => path.startsWith(prefix))?.[1] ?? from.clerk ?? from.operator)
    return path
      .replace(':id', id!)
      .replace(':attachmentId', attachmentFor(path, from))
      .replace(':receiptId', from.receipt!)
      .replace(':token', 'x'.repeat(43))
      .replace(':type', 'tp15')
      .replace(':unit', from.unit!)
      .replace(':day', '2026-11-23')
      .replace(':code', path.startsWith('/admin/application-types/') ? 'tp15' : 'applications')
      .replace(':year', '2027')
      .replace(':action', path.startsWith('/account/represented/') ? 'end' : 'resend')
  }

  it('has a row for every route the app answers, and no row for a route it does not', () => {
    const keys = routes.map(routeKey)
    expect(keys.filter((k) => !MATRIX[k])).toEqual([])
    expect(Object.keys(MATRIX).filter((k) => !keys.includes(k))).toEqual([])
  })

  it('gives each visitor exactly the expected outcome on every route, and never a 5xx', async () => {
    // Each agent reads its CSRF token from a form of its own session, on its own tenant's host.
    const FORM_PAGE: Record<Actor, string> = {
      anonymous: '/login',
      owner: '/account/profile',
      otherCustomer: '/account/profile',
      clerk: '/admin',
      admin: '/admin',
      otherTenantAdmin: '/admin',
      otherTenantCustomer: '/account/profile',
    }
    const ready = async (actor: Actor) => {
      const agent = await signIn[actor]()
      await agent.get(FORM_PAGE[actor])
      expect(agent.csrfToken, actor).not.toBe('')
      return agent
    }
    const agents = {} as Record<Actor, Agent>
    for (const actor of ACTORS) agents[actor] = await ready(actor)

    const ordered = [...routes].sort(
      (x, y) => Number(SESSION_ENDING.has(routeKey(x))) - Number(SESSION_ENDING.has(routeKey(y))),
    )
    const mismatches: string[] = []
    for (const route of ordered) {
      const key = routeKey(route)
      for (const actor of ACTORS) {
        const agent = SESSION_ENDING.has(key) ? await ready(actor) : agents[actor]
        const path = concrete(route.path)
        // A browser keeps each host's cookies apart; the test client has one jar, so a visitor
        // from the other tenant presents its cookie by hand and keeps nothing this host sets.
        const foreign = actor.startsWith('otherTenant')
        if (path.endsWith('/live')) {
          const got = await streamOutcome(server, a.host, path, cookieOf(agent))
          if (got !== MATRIX[key]![actor])
            mismatches.push(`${key} as ${actor}: expected ${MATRIX[key]![actor]}, got ${got}`)
          continue
        }
        const client = foreign ? request(t.app) : agent.raw
        let req = route.method === 'GET' ? client.get(path) : client.post(path).type('form')
        // A browser marks a request from a page of the same site; CSRF still judges the session.
        req = req.set('Host', a.host).set('Sec-Fetch-Site', 'same-origin')
        if (foreign) req = req.set('Cookie', cookieOf(agent))
        const res: Response = route.method === 'GET' ? await req : await req.send({ _csrf: agent.csrfToken })
        const got = outcomeOf(res)
        if (got !== MATRIX[key]![actor])
          mismatches.push(
            `${key} as ${actor}: expected ${MATRIX[key]![actor]}, got ${got} (${res.status} ${res.headers.location ?? ''})`,
          )
      }
    }
    expect(mismatches).toEqual([])
    // About 1,300 requests, each route by each visitor: 10 s on a quiet 2-core machine,
    // three times that beside another test run; its time grows with the routes, not a wait.
  }, 120_000)

  /**
   * Issue 21's visitors, each a person acting for the owner's account (or who did until a
   * moment ago): what each may reach follows from the owner's row by the rules below, so a
   * new route needs no new column. A colleague may see applications only; a representative
   * holds a PGB grant to see schedules; a former colleague and a representative whose grant
   * ended keep a session that still names the owner's account, and get only their own.
   */
  it('gives people acting for the owner what their role or grant allows, and former ones nothing of it', async () => {
    const ADMIN_ONLY = /^\/account\/(services|colleagues|representatives|api-tokens|webhooks)(\/|$)/
    const allowedIn = (service: string, key: string) => {
      const [method, path] = key.split(' ') as [string, string]
      if (ADMIN_ONLY.test(path)) return 'hidden'
      if (!path.startsWith('/services/')) return undefined
      if (!path.startsWith(`/services/${service}`) || method === 'POST') return 'hidden'
      return undefined
    }
    const VISITORS = {
      colleague: (key: string) => allowedIn('applications', key) ?? MATRIX[key]!.owner,
      representative: (key: string) => allowedIn('pgb', key) ?? MATRIX[key]!.owner,
      // Their own account, like any other customer of the tenant — who holds no grant of the owner's.
      formerColleague: (key: string) =>
        key === 'POST /account/represented/:id/:action' ? 'hidden' : MATRIX[key]!.otherCustomer,
      endedRepresentative: (key: string) =>
        key === 'POST /account/represented/:id/:action' ? 'hidden' : MATRIX[key]!.otherCustomer,
    } satisfies Record<string, (key: string) => Outcome>
    const people = Object.fromEntries(
      Object.keys(VISITORS).map((who) => [who, `${who.toLowerCase()}@example.com`]),
    ) as Record<keyof typeof VISITORS, string>
    for (const email of Object.values(people)) await registerConfirmed(t, smtp, a.host, email, PASSWORD)
    const idOf: Record<string, string> = {}
    await withTenant(t.db.owner, a.id, async (trx) => {
      for (const [who, email] of Object.entries(people))
        idOf[who] = String((await trx('customers').where({ email }).first('id')).id)
      const member = (who: string) => ({
        tenant_id: a.id,
        account_id: ids.owner,
        person_id: idOf[who],
        role: 'colleague',
        permissions: ['applications:view'],
      })
      await trx('account_members').insert([member('colleague'), member('formerColleague')])
      const grant = (who: string, service: string, permissions: string[]) => ({
        tenant_id: a.id,
        grantor_id: ids.owner,
        representative_email: people[who as keyof typeof VISITORS],
        representative_id: idOf[who],
        service,
        permissions,
        status: 'active',
        period: trx.raw(`tstzrange('2026-11-01', '2027-11-01', '[)')`),
      })
      await trx('representation_grants').insert([
        grant('representative', 'pgb', ['pgb:view']),
        grant('endedRepresentative', 'applications', ['applications:view']),
      ])
    })
    /** Signed in and acting for the owner (a former one's switch is refused: they stay themselves). */
    const actingAgent = async (who: keyof typeof VISITORS) => {
      const agent = await signedIn(t, a.host, people[who], PASSWORD)
      await agent.get('/account/acting')
      await agent.post('/account/acting', { account: ids.owner! })
      await agent.get('/account/profile')
      return agent
    }
    const agents = {} as Record<keyof typeof VISITORS, Agent>
    for (const who of Object.keys(VISITORS) as (keyof typeof VISITORS)[]) agents[who] = await actingAgent(who)
    // Their access ends while their sessions still name the owner's account.
    await withTenant(t.db.owner, a.id, async (trx) => {
      await trx('account_members')
        .where({ person_id: idOf.formerColleague })
        .update({ ended_at: new Date(0) })
      await trx('representation_grants')
        .where({ representative_id: idOf.endedRepresentative })
        .update({ status: 'ended', period: trx.raw(`tstzrange(lower(period), lower(period), '[)')`) })
    })

    const ordered = [...routes].sort(
      (x, y) => Number(SESSION_ENDING.has(routeKey(x))) - Number(SESSION_ENDING.has(routeKey(y))),
    )
    const mismatches: string[] = []
    for (const route of ordered) {
      const key = routeKey(route)
      for (const who of Object.keys(VISITORS) as (keyof typeof VISITORS)[]) {
        const expected = VISITORS[who](key)
        const agent = SESSION_ENDING.has(key) ? await actingAgent(who) : agents[who]
        const path = concrete(route.path)
        let got: string
        if (path.endsWith('/live')) got = await streamOutcome(server, a.host, path, cookieOf(agent))
        else {
          let req = route.method === 'GET' ? agent.raw.get(path) : agent.raw.post(path).type('form')
          req = req.set('Host', a.host).set('Sec-Fetch-Site', 'same-origin')
          got = outcomeOf(route.method === 'GET' ? await req : await req.send({ _csrf: agent.csrfToken }))
        }
        if (got !== expected) mismatches.push(`${key} as ${who}: expected ${expected}, got ${got}`)
      }
    }
    expect(mismatches).toEqual([])
  }, 120_000)

  it('shows this tenant’s people nothing of another tenant’s records, whatever id they put in the address', async () => {
    const actors = ['owner', 'clerk', 'admin'] as const
    const agents = {} as Record<(typeof actors)[number], Agent>
    const FORM_PAGE = { owner: '/account/profile', clerk: '/admin', admin: '/admin' }
    for (const actor of actors) {
      agents[actor] = await signIn[actor]()
      await agents[actor].get(FORM_PAGE[actor])
    }
    const withIds = routes.filter((r) => /:(id|attachmentId|unit)\b/.test(r.path))
    expect(withIds.length).toBeGreaterThan(30)
    const leaks: string[] = []
    for (const route of withIds) {
      const key = routeKey(route)
      for (const actor of actors) {
        const expected = MATRIX[key]![actor]
        const path = concrete(route.path, foreignIds)
        const got = path.endsWith('/live')
          ? await streamOutcome(server, a.host, path, cookieOf(agents[actor]))
          : outcomeOf(
              await (route.method === 'GET'
                ? agents[actor].raw.get(path).set('Host', a.host)
                : agents[actor].raw
                    .post(path)
                    .type('form')
                    .set('Host', a.host)
                    .set('Sec-Fetch-Site', 'same-origin')
                    .send({ ...REAL_FORMS[key], _csrf: agents[actor].csrfToken })),
            )
        // Where the visitor may use the route, another tenant's record does not exist for them.
        const want = expected === 'open' ? 'hidden' : expected
        if (got !== want) leaks.push(`${key} as ${actor} with tenant b's id: expected ${want}, got ${got}`)
      }
    }
    expect(leaks).toEqual([])
    // And tenant b's records are as they were.
    await withTenant(t.db.owner, b.id, async (trx) => {
      expect((await trx('operators').where({ id: foreignIds.operator }).first()).disabled_at).toBeNull()
      expect((await trx('customers').where({ id: foreignIds.customer }).first()).status).toBe('active')
      expect((await trx('applications').where({ id: foreignIds.application }).first()).status).toBe(
        'submitted',
      )
      expect((await trx('enrolments').where({ id: foreignIds.enrolment }).first()).revoked_at).toBeNull()
      expect(await trx('application_messages').count('* as n').first()).toEqual({ n: '0' })
      expect(await trx('unit_availability').whereNull('withdrawn_at').count('* as n').first()).toEqual({
        n: '1',
      })
      expect(await trx('meter_readings').select('status')).toEqual([{ status: 'review' }])
      expect(await trx('meter_requests').select('status')).toEqual([{ status: 'pending' }])
      expect(await trx('account_members').whereNull('ended_at').select('role')).toEqual([
        { role: 'colleague' },
        { role: 'colleague' },
      ])
      expect(await trx('account_invitations').whereNull('withdrawn_at').count('* as n').first()).toEqual({
        n: '1',
      })
    })
  }, 120_000)
})
