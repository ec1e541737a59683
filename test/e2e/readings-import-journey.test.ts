import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_AMR_ACCOUNTS, document80020 } from '../../src/simulator/amr.ts'
import {
  newContext,
  printJourneyDurations,
  startBrowserApp,
  step,
  type BrowserApp,
  signInStaff,
} from '../helpers/browser.ts'

/**
 * Issue 19 item 12 in the browser (ru): the demo operator uploads two days of 80020 files
 * and watches the import's progress until it says what it loaded; every page checked by axe.
 */
describe('AMR bulk import in the browser (ru)', () => {
  printJourneyDurations()
  let app: BrowserApp

  beforeAll(async () => {
    app = await startBrowserApp()
  })
  afterAll(() => app?.close())

  it('an operator uploads 80020 files and watches the import load them', async () => {
    const ru = app.logins.find((l) => l.url.includes('//ru.'))!
    const [first, second] = DEMO_AMR_ACCOUNTS
    const context = await newContext(app.browser, { locale: 'ru-RU' })
    const page = await context.newPage()
    try {
      await signInStaff(page, ru, app.t.clock)
      await step(page, () => page.getByRole('link', { name: 'Загрузка данных АСКУЭ' }).click())

      // Nothing chosen: said beside the field.
      await step(page, () => page.getByRole('button', { name: 'Отправить и загрузить' }).click())
      expect(await page.locator('.govuk-error-summary').isVisible()).toBe(true)

      await page.getByLabel('Файлы 80020').setInputFiles([
        {
          name: 'askue-1.xml',
          mimeType: 'text/xml',
          buffer: Buffer.from(document80020(first!, '2026-11-19', new Date())),
        },
        {
          name: 'askue-2.xml',
          mimeType: 'text/xml',
          buffer: Buffer.from(document80020(second!, '2026-11-19', new Date())),
        },
      ])
      await step(page, () => page.getByRole('button', { name: 'Отправить и загрузить' }).click())
      await page.waitForURL(/\/admin\/readings\/imports\/[0-9a-f-]{36}$/)
      // The page follows the job's stream and reloads when it has finished.
      await page.getByTestId('import-result').waitFor({ timeout: 30_000 })
      await step(page, () => page.waitForLoadState())
      expect(await page.getByTestId('import-status').textContent()).toBe('Загружена')
      expect(await page.getByTestId('import-result').textContent()).toContain('Загружено файлов: 2')
      expect(await page.locator('#import-progress').getAttribute('value')).toBe('100')
    } finally {
      await context.close()
    }
  }, 90_000)
})
