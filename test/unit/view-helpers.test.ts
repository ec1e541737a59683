import express from 'express'
import { describe, expect, it } from 'vitest'
import { markup } from '../../src/http/markup.ts'
import { addViewHelpers, setUpViews } from '../../src/http/views.ts'
import { applicationViewHelpers } from '../../src/modules/applications/view-helpers.ts'

/** Markup made in code for views (a status tag, a tenant's text on each row): escaped as a template would be. */
describe('view helpers', () => {
  const env = setUpViews(express())
  addViewHelpers(env, [{ name: 'applications', viewHelpers: applicationViewHelpers }])
  const render = (body: string, context: object = {}) => env.renderString(body, context)
  const tenant = { settings: { defaultLocale: 'pl' } }

  it('escapes every value put into markup, and only those', () => {
    const html = markup`<b title="${'"x" & <y>'}">${"<script>alert('1')</script>"}</b>`
    expect(String(html)).toBe(
      '<b title="&quot;x&quot; &amp; &lt;y&gt;">&lt;script&gt;alert(&#39;1&#39;)&lt;/script&gt;</b>',
    )
    // Marked safe: a template prints it as it is, not escaped twice.
    expect(render('{{ h }}', { h: html })).toBe(String(html))
  })

  it.each([
    ['the reader’s language', { pl: 'Przyłączenie', en: 'Connection' }, 'pl', 'Przyłączenie'],
    [
      'the tenant’s language, marked',
      { pl: 'Przyłączenie', en: 'Connection' },
      'ru',
      '<span lang="pl">Przyłączenie</span>',
    ],
    [
      'English when the tenant’s is missing, marked',
      { en: 'Connection' },
      'zh-CN',
      '<span lang="en">Connection</span>',
    ],
    ['nothing when there is no text', {}, 'pl', ''],
    [
      'a tenant’s markup as text',
      { pl: '<img src=x onerror=alert(1)>' },
      'pl',
      '&lt;img src=x onerror=alert(1)&gt;',
    ],
    ['a fallback’s markup as text', { pl: 'A & <b>' }, 'en', '<span lang="pl">A &amp; &lt;b&gt;</span>'],
  ])('shows a tenant text in %s', (_case, texts, reader, expected) => {
    expect(render('{{ texts | localText(reader, tenant) }}', { texts, reader, tenant })).toBe(expected)
  })

  it.each([
    ['draft', 'grey', 'Wersja robocza'],
    ['inProgress', 'light-blue', 'W realizacji'],
    ['completed', 'green', 'Zakończony'],
    ['returned', 'orange', 'Zwrócony'],
    ['rejected', 'red', 'Odrzucony'],
    ['unknown', 'grey', '<x>'],
  ])('tags the status %s in its colour', (status, colour, label) => {
    const t = (key: string) => (key === `applications.statuses.${status}` ? label : key)
    expect(render('{{ applicationStatusTag(t, status) }}', { t, status })).toBe(
      `<strong class="govuk-tag govuk-tag--${colour}" data-testid="status">${label.replace('<', '&lt;').replace('>', '&gt;')}</strong>`,
    )
  })

  it('refuses a view helper whose name is taken', () => {
    const fresh = setUpViews(express())
    fresh.addGlobal('tenantText', () => '')
    expect(() => addViewHelpers(fresh, [{ name: 'x', viewHelpers: { tenantText: () => '' } }])).toThrow(
      /tenantText of module x/,
    )
    addViewHelpers(fresh, [{ name: 'a', viewHelpers: { aTag: () => 'a' } }])
    expect(() => addViewHelpers(fresh, [{ name: 'b', viewHelpers: { aTag: () => 'b' } }])).toThrow(/aTag/)
  })
})
