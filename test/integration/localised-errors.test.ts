import { readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { agentFor } from '../helpers/agent.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { createTenant } from '../helpers/factories.ts'

const VIEWS = path.resolve(import.meta.dirname, '../../views')

// The screen-reader prefix before each field's message, as each language has it.
const PREFIX = { pl: 'Błąd:', ru: 'Ошибка:', 'zh-CN': '错误:' } as const

describe('field messages are announced in the page’s language', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await createTestApp()
  })
  afterAll(() => t.close())

  it.for(Object.entries(PREFIX))(
    '%s: registration, sign-in, staff sign-in and access-request forms, refused, say their prefix in that language',
    async ([locale, prefix]) => {
      const tenant = await createTenant(t.db.owner, { defaultLocale: locale as 'pl' | 'ru' | 'zh-CN' })
      const agent = agentFor(t.app, tenant.host)
      for (const [page, action] of [
        ['/register/account', '/register/account'],
        ['/login', '/login'],
        ['/admin/login', '/admin/login'],
        ['/access-request', '/access-request'],
      ] as const) {
        await agent.get(page)
        const res = await agent.post(action, {})
        expect([422, 429], `${action}: ${res.status}`).toContain(res.status)
        const prefixes = [
          ...res.text.matchAll(
            /govuk-error-message">\s*<span class="govuk-visually-hidden">([^<]*)<\/span>/g,
          ),
        ].map((m) => m[1])
        expect(prefixes.length, action).toBeGreaterThan(0)
        expect(new Set(prefixes), action).toEqual(new Set([prefix]))
      }
    },
  )

  it('every view imports the project’s own macro files with its context (so they can translate)', () => {
    const offenders: string[] = []
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name)
        if (entry.isDirectory()) walk(file)
        else if (entry.name.endsWith('.njk'))
          for (const line of readFileSync(file, 'utf8').split('\n'))
            if (/\{%\s*(from|import)\s+"(?!govuk\/)/.test(line) && !line.includes('with context'))
              offenders.push(`${path.relative(VIEWS, file)}: ${line.trim()}`)
      }
    }
    walk(VIEWS)
    expect(offenders).toEqual([])
  })
})
