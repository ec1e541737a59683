import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_ENROLMENTS } from '../../src/modules/services/demo.ts'
import { solarDay } from '../helpers/generation.ts'
import {
  newContext,
  printJourneyDurations,
  startBrowserApp,
  step,
  type BrowserApp,
  signInStaff,
} from '../helpers/browser.ts'

describe('the seed 000 flow to its end in the browser: token, schedule, approval, acceptance, sign-out', () => {
  printJourneyDurations()
  let app: BrowserApp

  beforeAll(async () => {
    app = await startBrowserApp()
  })
  afterAll(() => app?.close())

  it('a customer enrolled by token fills a 15-minute day by pasting a column, approves it, and the operator accepts it', async () => {
    const { t, browser, logins } = app
    const pl = logins.find((l) => l.url.includes('//pl.'))!
    const customerContext = await newContext(browser, { locale: 'pl-PL' })
    const staffContext = await newContext(browser, { locale: 'pl-PL' })
    const page = await customerContext.newPage()
    const staff = await staffContext.newPage()
    try {
      // Steps 4a–6: sign in, redeem the token, land on PGB.
      await step(page, () => page.goto(`${pl.url}/login`))
      await page.getByLabel('Adres e-mail').fill(pl.customerEmail)
      await page.getByLabel('Hasło').fill(pl.customerPassword)
      await step(page, () => page.getByRole('button', { name: 'Zaloguj się' }).click())
      await step(page, () => page.getByRole('link', { name: 'Moje serwisy' }).click())
      await step(page, () => page.getByRole('link', { name: 'Zarejestruj – Planowanie generacji' }).click())
      await page.getByLabel('Token').fill(DEMO_ENROLMENTS[0].token)
      await step(page, () => page.getByRole('button', { name: 'Zarejestruj' }).click())
      expect(new URL(page.url()).pathname).toBe('/services/pgb')

      // Step 7: the daily production schedule of the wind farm, pasted as one column, approved.
      await step(page, () => page.getByRole('link', { name: 'PLW-BALTYK-1' }).click())
      // The test clock stands at Saturday 21 November 2026, 10:00 in Warsaw: the first day
      // still open is Sunday 22 November, an ordinary day of 96 quarter-hours.
      expect(new URL(page.url()).pathname).toMatch(/\/days\/2026-11-22$/)
      // A planned outage before dawn, declared beside the schedule; the day lists it.
      await step(page, () =>
        page.getByRole('link', { name: 'Zgłoś lub wycofaj niedyspozycyjność tej jednostki' }).click(),
      )
      await page.getByLabel('Od').fill('2026-11-22T02:00')
      await page.getByLabel('Do', { exact: true }).fill('2026-11-22T04:00')
      await page.getByLabel('Największa dostępna moc').fill('0')
      await page.getByLabel('Powód').fill('Przegląd transformatora')
      await step(page, () => page.getByTestId('declare').click())
      expect(await page.getByTestId('flash').textContent()).toContain('Zgłoszenie zapisano')
      expect(await page.getByTestId('declarations').textContent()).toContain('Przegląd transformatora')
      await step(page, () => page.locator('.govuk-back-link').click())
      expect(await page.getByTestId('availability').textContent()).toContain(
        'najwyżej 0 kW — Przegląd transformatora',
      )
      const inputs = await page.locator('form[data-grid] input[name^="v"]').count()
      expect(inputs).toBe(96)
      // Shown as 24 hours × 4 quarter-hours: paste a block of hours from a sheet, then a column.
      expect(await page.locator('[data-testid="grid"] tbody tr').count()).toBe(24)
      const paste = (id: string, text: string) =>
        page.locator(id).evaluate((input, clip) => {
          const data = new DataTransfer()
          data.setData('text', clip)
          input.dispatchEvent(
            new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }),
          )
        }, text)
      await paste('#v45', '1\t2\t3\t4\n5\t6\t7\t8\n')
      expect(await page.locator('#v45').inputValue()).toBe('1')
      expect(await page.locator('#v52').inputValue()).toBe('8')
      await paste('#v1', solarDay(inputs, 9000).join('\n'))
      expect(await page.locator(`#v${inputs}`).inputValue()).toBe('0')
      expect(await page.locator('#v49').inputValue()).not.toBe('')
      expect(await page.locator('[data-total]').textContent()).not.toBe('0')
      await step(page, () => page.getByTestId('approve').click())
      expect(await page.getByTestId('flash').textContent()).toContain('wersję 1')
      expect(await page.getByTestId('status').textContent()).toContain('wersja 1')
      const dayUrl = page.url()
      const day = /days\/(\d{4}-\d{2}-\d{2})/.exec(dayUrl)![1]!

      // The operator reviews it value by value from the day overview, and accepts it.
      await signInStaff(staff, pl, t.clock)
      await step(staff, () => staff.goto(`${pl.url}/admin/generation?day=${day}`))
      expect(await staff.getByTestId('overview').textContent()).toContain('PLW-BALTYK-1')
      await step(staff, () => staff.getByTestId('review-PLW-BALTYK-1').click())
      expect(await staff.getByTestId('review').locator('tbody tr').count()).toBe(96)
      expect(await staff.getByTestId('declarations').textContent()).toContain('Przegląd transformatora')
      await step(staff, () => staff.getByTestId('accept').click())
      expect(await staff.getByTestId('flash').textContent()).toContain('Plan przyjęty')

      // The customer sees it accepted, then signs out (step 8).
      await step(page, () => page.goto(dayUrl))
      expect(await page.getByTestId('status').textContent()).toContain('Przyjęty')
      await step(page, () => page.getByRole('button', { name: 'Wyloguj się' }).click())
      expect(new URL(page.url()).pathname).toBe('/')
    } finally {
      await customerContext.close()
      await staffContext.close()
    }
  }, 120_000)
})
