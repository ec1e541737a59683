import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  expectAccessible,
  newContext,
  printJourneyDurations,
  startBrowserApp,
  type BrowserApp,
} from '../helpers/browser.ts'

describe('demo tenants in the browser', () => {
  printJourneyDurations()
  let app: BrowserApp
  let port: number
  let browser: BrowserApp['browser']

  beforeAll(async () => {
    app = await startBrowserApp()
    ;({ port, browser } = app)
  })
  afterAll(() => app?.close())

  it.each([
    ['pl', 'pl', 'Sieci Pomorze (demo)', 'Planowanie generacji'],
    ['ru', 'ru', 'Сетевая компания «Центр» (демо)', 'Заявки'],
    ['cn', 'zh-CN', '湖北电力交易中心（演示）', '市场注册'],
  ])('%s: the home page is branded, localised and accessible', async (slug, lang, name, service) => {
    // A visitor whose browser speaks the tenant's language, as most of its customers' do.
    const context = await newContext(browser, { locale: lang })
    const page = await context.newPage()
    try {
      const cspViolations: string[] = []
      page.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text())
      })
      await page.goto(`http://${slug}.localhost:${port}/`)
      expect(await page.getAttribute('html', 'lang')).toBe(lang)
      await expect.poll(() => page.locator('.kb-header__name').textContent()).toBe(name)
      expect(await page.locator('main').textContent()).toContain(service)
      const headerColour = await page
        .locator('.kb-header')
        .evaluate((el) => getComputedStyle(el).backgroundColor)
      expect(headerColour).not.toBe('rgba(0, 0, 0, 0)')
      await expectAccessible(page)

      await page.getByRole('link', { name: 'English' }).click()
      await page.waitForURL(/lang=en/)
      expect(await page.getAttribute('html', 'lang')).toBe('en')
      await page.goto(`http://${slug}.localhost:${port}/`)
      expect(await page.getAttribute('html', 'lang')).toBe('en')
      await expectAccessible(page)

      await page.goto(`http://${slug}.localhost:${port}/missing`)
      await expectAccessible(page)
      expect(cspViolations).toEqual([])
    } finally {
      await context.close()
    }
  })

  it('the development index on localhost links every demo portal', async () => {
    const context = await newContext(browser)
    const page = await context.newPage()
    try {
      await page.goto(`http://localhost:${port}/`)
      for (const slug of ['pl', 'ru', 'cn']) {
        expect(await page.locator(`a[href="http://${slug}.localhost:${port}/"]`).count()).toBe(1)
      }
      await expectAccessible(page)
    } finally {
      await context.close()
    }
  })
})
