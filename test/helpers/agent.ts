import { CookieAccessInfo } from 'cookiejar'
import type { Express } from 'express'
import request from 'supertest'

/**
 * A browser-like client for one host: keeps cookies, and reads the CSRF token from the
 * last form it was shown, so tests post forms the way a user does (CSRF stays on).
 */
export function agentFor(app: Express, host: string) {
  const agent = request.agent(app)
  let csrf = ''
  return {
    raw: agent,
    host,
    async get(path: string) {
      const res = await agent.get(path).set('Host', host)
      const match = /name="_csrf" value="([^"]+)"/.exec(res.text ?? '')
      if (match?.[1]) csrf = match[1]
      return res
    },
    post(path: string, form: Record<string, string | string[]> = {}) {
      return agent
        .post(path)
        .set('Host', host)
        .type('form')
        .send({ _csrf: csrf, ...form })
    },
    get csrfToken() {
      return csrf
    },
  }
}

export function csrfFrom(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html)
  if (!match?.[1]) throw new Error('no CSRF token on the page')
  return match[1]
}

/** An agent's cookies as one Cookie header (for a raw request: a stream, another host). */
export function cookieOf(agent: { raw: unknown }): string {
  const jar = (agent.raw as { jar: { getCookies(a: unknown): { toValueString(): string } } }).jar
  return jar.getCookies(CookieAccessInfo.All).toValueString()
}
