import express from 'express'
import { describe, expect, it } from 'vitest'
import { setUpViews } from '../../src/http/views.ts'

/** GOV.UK components through the memo (src/http/components.ts): the same HTML as the components' own templates. */
describe('GOV.UK components, rendered once per set of parameters', () => {
  const env = setUpViews(express())
  const page = (body: string, context: object = {}) => env.renderString(body, context).trim()
  const own = (component: string, params: object) =>
    env.render(`govuk/components/${component}/template.njk`, { params }).trim()

  it.each([
    ['input', 'govukInput', { id: 'q', name: 'q', label: { text: 'Szukaj' }, hint: { text: 'Numer' } }],
    [
      'input',
      'govukInput',
      { id: 'q', name: 'q', label: { text: 'Szukaj' }, errorMessage: { text: 'Zła data' } },
    ],
    [
      'select',
      'govukSelect',
      {
        id: 's',
        name: 's',
        items: [
          { value: 'a', text: 'A' },
          { value: 'b', text: 'B' },
        ],
        value: 'b',
        label: { text: 'Status' },
      },
    ],
    ['button', 'govukButton', { text: 'Filtruj', classes: 'govuk-button--secondary' }],
    [
      'pagination',
      'govukPagination',
      {
        items: [
          { number: 1, href: '?page=1', current: true },
          { number: 2, href: '?page=2' },
        ],
        next: { href: '?page=2' },
      },
    ],
  ])('%s as %s gives what its template gives, the first time and again', (component, macro, params) => {
    const call = `{% from "govuk/components/${component}/macro.njk" import ${macro} %}{{ ${macro}(params) }}`
    const expected = own(component, params)
    expect(expected.length).toBeGreaterThan(20)
    expect(page(call, { params })).toBe(expected)
    expect(page(call, { params: structuredClone(params) })).toBe(expected)
  })

  it('tells apart parameters that differ in one value, and escapes what it is given', () => {
    const call = `{% from "govuk/components/button/macro.njk" import govukButton %}{{ govukButton({ text: label }) }}`
    expect(page(call, { label: 'Dalej' })).toContain('Dalej')
    expect(page(call, { label: 'Wstecz' })).toContain('Wstecz')
    expect(page(call, { label: '<script>' })).toContain('&lt;script&gt;')
  })

  it('keeps one rendering per set of parameters, and renders a call with a body every time', () => {
    // Views' imports of a component reach the memo, not the component's own macro file.
    const imported = env.getTemplate('govuk/components/button/macro.njk') as unknown as { tmplStr: string }
    expect(imported.tmplStr).toContain("renderComponent('button', params, caller)")
    const render = env.getGlobal('renderComponent') as (c: string, p: unknown, caller?: unknown) => unknown
    const params = { text: 'Zapisz' }
    expect(render('button', params)).toBe(render('button', { text: 'Zapisz' }))
    const fieldset = `{% from "govuk/components/fieldset/macro.njk" import govukFieldset %}{% call govukFieldset({ legend: { text: 'Adres' } }) %}<p>{{ street }}</p>{% endcall %}`
    expect(page(fieldset, { street: 'Polna 1' })).toContain('<p>Polna 1</p>')
    expect(page(fieldset, { street: 'Długa 2' })).toContain('<p>Długa 2</p>')
  })
})
