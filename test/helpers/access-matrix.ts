import type { Response } from 'supertest'
import type { agentFor } from './agent.ts'
import type { AppRoute } from './routes.ts'

/** Who asks. "Other tenant" actors present their own tenant's cookie on this tenant's host. */
export const ACTORS = [
  'anonymous',
  'owner',
  'otherCustomer',
  'clerk',
  'admin',
  'otherTenantAdmin',
  'otherTenantCustomer',
] as const
export type Actor = (typeof ACTORS)[number]

/**
 * What a cell may show: the handler answered (`open`), the guard sent them to sign in
 * (`login` for customers, `staffLogin` for staff), the page does not exist for them
 * (`hidden`, 404), or they were refused (`denied`, 403 — including a foreign session's
 * CSRF token). A 5xx is never an outcome.
 */
export type Outcome = 'open' | 'login' | 'staffLogin' | 'hidden' | 'denied'
export type Expectation = Record<Actor, Outcome>

export function outcomeOf(res: Response): Outcome | `error ${number}` {
  if (res.status >= 500) return `error ${res.status}`
  if (res.status === 404) return 'hidden'
  if (res.status === 403) return 'denied'
  const location = String(res.headers.location ?? '')
  if (res.status === 303 || res.status === 302) {
    if (location.startsWith('/admin/login')) return 'staffLogin'
    if (location.startsWith('/login')) return 'login'
  }
  return 'open'
}

export const routeKey = (r: AppRoute) => `${r.method} ${r.path}`

const all = (o: Outcome): Expectation => Object.fromEntries(ACTORS.map((a) => [a, o])) as Expectation

/** Anyone on this tenant's host; a foreign session's POST fails its CSRF check. */
export const PUBLIC = (method: 'GET' | 'POST'): Expectation => ({
  ...all('open'),
  ...(method === 'POST' ? { otherTenantAdmin: 'denied', otherTenantCustomer: 'denied' } : {}),
})

/** Signed-in customers of this tenant. */
export const CUSTOMER = (method: 'GET' | 'POST'): Expectation => ({
  ...all('login'),
  owner: 'open',
  otherCustomer: 'open',
  ...(method === 'POST' ? { otherTenantAdmin: 'denied', otherTenantCustomer: 'denied' } : {}),
})

/** Staff of this tenant; `admins` narrows to administrators (a clerk finds nothing there). */
export const STAFF = (method: 'GET' | 'POST', admins = false): Expectation => ({
  ...all('staffLogin'),
  clerk: admins ? 'hidden' : 'open',
  admin: 'open',
  otherTenantAdmin: method === 'POST' ? 'denied' : 'hidden',
  otherTenantCustomer: method === 'POST' ? 'denied' : 'hidden',
})

export type Agent = ReturnType<typeof agentFor>

/** A signed-in customer's own object (an application): the other customer of the tenant finds nothing. */
export const OWNER = (method: 'GET' | 'POST'): Expectation => ({
  ...CUSTOMER(method),
  otherCustomer: 'hidden',
})
