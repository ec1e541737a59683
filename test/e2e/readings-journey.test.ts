import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { DEMO_AMR_ACCOUNTS } from '../../src/simulator/amr.ts'
import { startSimulator } from '../../src/simulator/server.ts'
import {
  newContext,
  printJourneyDurations,
  startBrowserApp,
  step,
  type BrowserApp,
  signInCustomer,
} from '../helpers/browser.ts'

describe('readings in the browser (ru, seed 002 §9)', () => {
  printJourneyDurations()
  let app: BrowserApp
  let simulator: Awaited<ReturnType<typeof startSimulator>>

  beforeAll(async () => {
    simulator = await startSimulator(0)
    app = await startBrowserApp()
    // The demo points at the simulator `npm start` runs; this one runs on a free port.
    const ru = (await app.t.deps.tenants.byHost('ru.localhost'))!
    await withTenant(app.t.db.owner, ru.id, (trx) =>
      trx('tenants')
        .where({ id: ru.id })
        .update({
          settings: trx.raw(`jsonb_set(settings, '{modules,readings}', ?::jsonb)`, [
            JSON.stringify({ amrHeadEnd: simulator.url }),
          ]),
        }),
    )
    app.t.deps.tenants.invalidate()
  })
  afterAll(async () => {
    await app?.close()
    simulator?.server.closeAllConnections()
    await new Promise((r) => simulator?.server.close(r))
  })

  it('a customer fetches a day of AMR data and sees A+, A−, R+ and R− of each meter, with the missing periods said', async () => {
    const ru = app.logins.find((l) => l.url.includes('//ru.'))!
    const [amr] = DEMO_AMR_ACCOUNTS
    const context = await newContext(app.browser, { locale: 'ru-RU' })
    const page = await context.newPage()
    try {
      await signInCustomer(page, ru)
      await step(page, () => page.goto(`${ru.url}/services/readings/amr`))
      expect(await page.getByTestId('service-title').textContent()).toBe('Данные АСКУЭ')

      // Nothing typed: each field says what is missing, and the summary takes focus.
      await step(page, () => page.getByRole('button', { name: 'Получить данные' }).click())
      expect(await page.locator('.govuk-error-summary').textContent()).toContain(
        'Введите идентификатор пользователя АСКУЭ',
      )
      expect(
        await page.evaluate(() => document.activeElement?.classList.contains('govuk-error-summary')),
      ).toBe(true)

      await page.getByLabel('Идентификатор пользователя АСКУЭ').fill(amr!.login)
      await page.getByLabel('Пароль АСКУЭ').fill(amr!.password)
      await step(page, () => page.getByRole('button', { name: 'Получить данные' }).click())
      const table = page.getByTestId('amr-data')
      expect(await table.locator('tbody tr').count()).toBe(amr!.meters.length)
      for (const header of ['A+ кВт·ч', 'A− кВт·ч', 'R+ квар·ч', 'R− квар·ч'])
        expect(await table.locator('thead').textContent()).toContain(header)
      expect(await table.locator(`[data-meter="${amr!.meters[1]!.code}"]`).textContent()).toContain(
        'нет 2 из 24 интервалов',
      )
      // The password is not put back into the form.
      expect(await page.getByLabel('Пароль АСКУЭ').inputValue()).toBe('')
    } finally {
      await context.close()
    }
  }, 60_000)
})
