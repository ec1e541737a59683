import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_ENROLMENTS } from '../../src/modules/services/demo.ts'
import {
  newContext,
  printJourneyDurations,
  startBrowserApp,
  step,
  type BrowserApp,
} from '../helpers/browser.ts'

describe('PGB token enrolment in the browser (seed 000, steps 1–8)', () => {
  printJourneyDurations()
  let app: BrowserApp

  beforeAll(async () => {
    app = await startBrowserApp()
  })
  afterAll(() => app?.close())

  const pl = () => app.logins.find((l) => l.url.includes('//pl.'))!

  async function logOut(page: Page): Promise<void> {
    await step(page, () => page.getByRole('button', { name: 'Wyloguj się' }).click())
    expect(new URL(page.url()).pathname).toBe('/')
  }

  it('4a: a customer with an account registers for PGB under My services and lands on the PGB page', async () => {
    const login = pl()
    const context = await newContext(app.browser, { locale: 'pl-PL' })
    const page = await context.newPage()
    try {
      await step(page, () => page.goto(`${login.url}/login`))
      await page.getByLabel('Adres e-mail').fill(login.customerEmail)
      await page.getByLabel('Hasło').fill(login.customerPassword)
      await step(page, () => page.getByRole('button', { name: 'Zaloguj się' }).click())
      await step(page, () => page.getByRole('link', { name: 'Moje serwisy' }).click())
      await step(page, () => page.getByRole('link', { name: 'Zarejestruj – Planowanie generacji' }).click())
      await page.getByLabel('Token').fill('PGB0-0000-0000')
      await step(page, () => page.getByRole('button', { name: 'Zarejestruj' }).click())
      expect(await page.locator('.govuk-error-summary').textContent()).toContain(
        'Ten token jest nieprawidłowy',
      )
      await page.getByLabel('Token').fill(DEMO_ENROLMENTS[0].token.toLowerCase())
      await step(page, () => page.getByRole('button', { name: 'Zarejestruj' }).click())
      expect(new URL(page.url()).pathname).toBe('/services/pgb')
      expect(await page.getByTestId('service-title').textContent()).toBe('Planowanie generacji')
      await logOut(page)
    } finally {
      await context.close()
    }
  })

  it('4b: a new customer follows the emailed link, types the token, creates the account, signs in and lands on PGB', async () => {
    const context = await newContext(app.browser, { locale: 'pl-PL' })
    const page = await context.newPage()
    const password = 'słońce nad Żuławami 2026'
    try {
      await step(page, () => page.goto(`${pl().url}/enrol`))
      await page.getByLabel('Token').fill(DEMO_ENROLMENTS[1].token)
      await step(page, () => page.getByRole('button', { name: 'Dalej' }).click())
      // The page says which company and service the token is for, and asks for consent.
      expect(await page.locator('.govuk-summary-list').textContent()).toContain(DEMO_ENROLMENTS[1].company)
      await page.getByLabel('Adres e-mail').fill(DEMO_ENROLMENTS[1].email)
      await page.getByLabel('Hasło', { exact: true }).fill(password)
      await page.getByLabel('Powtórz hasło').fill(password)
      await step(page, () => page.getByRole('button', { name: 'Utwórz konto' }).click())
      expect(await page.locator('.govuk-error-summary').textContent()).toContain('zgod')
      await page.getByLabel('Hasło', { exact: true }).fill(password)
      await page.getByLabel('Powtórz hasło').fill(password)
      await page.locator('#consent').check()
      await step(page, () => page.getByRole('button', { name: 'Utwórz konto' }).click())
      expect(await page.locator('.govuk-notification-banner').textContent()).toContain('Konto jest gotowe')
      // The new login is already filled in.
      expect(await page.getByLabel('Adres e-mail').inputValue()).toBe(DEMO_ENROLMENTS[1].email)
      await page.getByLabel('Hasło').fill(password)
      await step(page, () => page.getByRole('button', { name: 'Zaloguj się' }).click())
      expect(new URL(page.url()).pathname).toBe('/services/pgb')
      expect(await page.getByTestId('service-title').textContent()).toBe('Planowanie generacji')
      await logOut(page)
    } finally {
      await context.close()
    }
  })
})
