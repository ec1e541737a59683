import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import {
  newContext,
  printJourneyDurations,
  startBrowserApp,
  step,
  type BrowserApp,
  signInCustomer,
  signInStaff,
} from '../helpers/browser.ts'

/**
 * Issue 19's journeys in Russian (seed 002 §7–8): a customer enters a three-zone reading
 * and sees it in the history and the chart; a reading below the last one goes to review
 * with a photo, and the demo operator accepts it. Every page is checked by axe.
 */
describe('meter readings in the browser (ru, seed 002 §7–8)', () => {
  printJourneyDurations()
  let app: BrowserApp
  let meterId: string

  beforeAll(async () => {
    app = await startBrowserApp()
    const ru = app.logins.find((l) => l.url.includes('//ru.'))!
    // A three-zone meter of the demo customer with two months of readings (test clock: 21 Nov 2026).
    meterId = await withTenant(app.t.db.owner, ru.tenantId, async (trx) => {
      const { id: customerId } = await trx('customers').where({ email: ru.customerEmail }).first('id')
      const [meter] = await trx('meters')
        .insert({
          tenant_id: ru.tenantId,
          customer_id: customerId,
          number: 'J-3000',
          tariff: 'T3',
          zones: ['peak', 'semipeak', 'night'],
          digits: 6,
          decimals: 1,
          object: 'г. Тверь, ул. Лесная, д. 2',
          installed_on: '2026-01-01',
        })
        .returning<{ id: string }[]>('id')
      for (const [day, values] of [
        ['2026-09-20', ['100.0', '200.0', '300.0']],
        ['2026-10-20', ['160.0', '310.0', '390.0']],
      ] as const) {
        const [reading] = await trx('meter_readings')
          .insert({
            tenant_id: ru.tenantId,
            meter_id: meter!.id,
            read_on: day,
            source: 'customer',
            status: 'accepted',
          })
          .returning<{ id: string }[]>('id')
        await trx('meter_reading_values').insert(
          ['peak', 'semipeak', 'night'].map((zone, i) => ({
            tenant_id: ru.tenantId,
            reading_id: reading!.id,
            zone,
            value: values[i],
          })),
        )
      }
      return meter!.id
    })
  })
  afterAll(() => app?.close())

  it('a customer enters a three-zone reading, sees it in history and chart; a lower one goes to review with a photo, and staff accept it', async () => {
    const ru = app.logins.find((l) => l.url.includes('//ru.'))!
    const context = await newContext(app.browser, { locale: 'ru-RU' })
    const page = await context.newPage()
    try {
      await signInCustomer(page, ru)
      await step(page, () => page.goto(`${ru.url}/services/readings`))
      expect(await page.getByTestId('service-title').textContent()).toBe('Мои приборы учёта')
      await step(page, () => page.getByRole('link', { name: 'J-3000' }).click())

      await page.getByLabel('Дата снятия показаний').fill('2026-11-20')
      await page.getByLabel('Пик', { exact: true }).fill('220,5')
      await page.getByLabel('Полупик').fill('400')
      // One zone left empty: said beside it and in the summary, which takes focus.
      await step(page, () => page.getByRole('button', { name: 'Ввод' }).click())
      expect(await page.locator('.govuk-error-summary').textContent()).toContain(
        'Введите и эту зону: показания передаются по всем зонам прибора или ни по одной',
      )
      expect(
        await page.evaluate(() => document.activeElement?.classList.contains('govuk-error-summary')),
      ).toBe(true)
      await page.getByLabel('Ночь').fill('470')
      await step(page, () => page.getByRole('button', { name: 'Ввод' }).click())
      expect(await page.getByTestId('flash').textContent()).toContain('Показания сохранены.')
      const latest = page.locator('[data-testid="history"] tr[data-day="2026-11-20"]')
      expect(await latest.locator('[data-zone="peak"]').textContent()).toBe('220,5')
      // 220,5 − 160 = 60,5 at peak; 400 − 310 = 90; 470 − 390 = 80.
      expect((await latest.locator('[data-consumption]').textContent())!.replace(/\s+/g, ' ')).toContain(
        'Пик: 60,5',
      )
      expect(await page.locator('svg.kb-chart').getAttribute('role')).toBe('img')
      await page.getByText('Значения', { exact: true }).click()
      expect(await page.locator('[data-month="2026-11"] [data-zone="semipeak"]').textContent()).toBe('90,0')

      // A value below the last: refused, with the way out offered.
      await page.getByLabel('Дата снятия показаний').fill('2026-11-21')
      await page.getByLabel('Пик', { exact: true }).fill('12,0')
      await page.getByLabel('Полупик').fill('400')
      await page.getByLabel('Ночь').fill('470')
      await step(page, () => page.getByRole('button', { name: 'Ввод' }).click())
      expect(await page.locator('.govuk-error-summary').textContent()).toContain(
        'Это меньше последних принятых показаний',
      )
      await page.getByLabel('Прибор учёта заменён').check()
      const photo = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#224466' } })
        .png()
        .toBuffer()
      await page
        .getByLabel('Фото табло прибора учёта')
        .setInputFiles({ name: 'табло.png', mimeType: 'image/png', buffer: photo })
      await step(page, () => page.getByRole('button', { name: 'Ввод' }).click())
      expect(await page.getByTestId('flash').textContent()).toContain('ждут проверки')
      expect(await page.locator('tr[data-day="2026-11-21"]').getAttribute('data-status')).toBe('review')
    } finally {
      await context.close()
    }

    const staff = await newContext(app.browser, { locale: 'ru-RU' })
    const admin = await staff.newPage()
    try {
      await signInStaff(admin, ru, app.t.clock)
      await step(admin, () => admin.goto(`${ru.url}/admin/readings/review`))
      const card = admin.locator('section.kb-card', { hasText: 'J-3000' })
      expect(await card.textContent()).toContain('Прибор учёта заменён')
      await card.getByLabel('Принять').check()
      await step(admin, () => card.getByRole('button', { name: 'Сохранить решение' }).click())
      expect(await admin.getByTestId('flash').textContent()).toContain('Показания приняты')
      await step(admin, () => admin.goto(`${ru.url}/admin/readings/meters/${meterId}`))
      expect(await admin.locator('tr[data-day="2026-11-21"]').getAttribute('data-status')).toBe('accepted')
    } finally {
      await staff.close()
    }
  }, 90_000)
})
