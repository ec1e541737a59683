import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { PDF } from '../helpers/applications.ts'
import {
  expectAccessible,
  newContext,
  printJourneyDurations,
  startBrowserApp,
  type BrowserApp,
  signInStaff,
} from '../helpers/browser.ts'

/** Seed 004's steps after Submitted, as the Russian pages name them. */
const STEPS = [
  ['inProgress', 'В работе'],
  ['contract', 'Заключение договора ТП'],
  ['works', 'Выполнение мероприятий по ТП'],
  ['checking', 'Проверка выполнения ТУ'],
  ['acts', 'Оформление актов ТП'],
  ['completed', 'Исполнена'],
] as const

const currentStep = (page: Page) =>
  page.locator('.kb-timeline__step--current .kb-timeline__name').textContent()

describe('applications journey in the browser (ru, seed 004)', () => {
  printJourneyDurations()
  let app: BrowserApp

  beforeAll(async () => {
    app = await startBrowserApp()
  })
  afterAll(() => app?.close())

  it('a customer sends a connection application; an operator takes it through every step while the customer watches; they chat live', async () => {
    const { t, browser, logins } = app
    const ru = logins.find((l) => l.url.includes('//ru.'))!
    const customerContext = await newContext(browser, { locale: 'ru-RU' })
    const staffContext = await newContext(browser, { locale: 'ru-RU' })
    const customer = await customerContext.newPage()
    const staff = await staffContext.newPage()
    try {
      await customer.goto(`${ru.url}/login`)
      await customer.locator('#login').fill(ru.customerEmail)
      await customer.locator('#password').fill(ru.customerPassword)
      await customer.getByRole('button', { name: 'Войти' }).click()
      await customer.goto(`${ru.url}/services/applications`)
      await expectAccessible(customer)
      await customer.getByTestId('new-application').click()
      await expectAccessible(customer)
      // The demo customer is a company: the kind for individuals is not offered to it.
      expect(await customer.getByRole('link', { name: 'ТП: физическое лицо до 15 кВт' }).count()).toBe(0)
      await customer.getByRole('link', { name: 'ТП: юридическое лицо или ИП до 150 кВт' }).click()
      expect(await customer.getByTestId('info').textContent()).toContain('Сроки')
      await expectAccessible(customer)
      await customer.getByTestId('start').click()
      await expectAccessible(customer)

      // Sent empty first: the summary takes focus and lists the problems.
      await customer.getByTestId('send').click()
      await expect
        .poll(() =>
          customer.evaluate(() => document.activeElement?.classList.contains('govuk-error-summary')),
        )
        .toBe(true)
      await expectAccessible(customer)
      await customer.locator('#text').fill('Прошу подключить склад')
      await customer.locator('#f_capacity').fill('12,5')
      await customer.locator('#f_address').fill('г. Казань, ул. Садовая, 1')
      await customer
        .locator('#doc_plan')
        .setInputFiles({ name: 'план.pdf', mimeType: 'application/pdf', buffer: PDF })
      await customer
        .locator('#doc_title')
        .setInputFiles({ name: 'выписка.pdf', mimeType: 'application/pdf', buffer: PDF })
      await customer.getByTestId('send').click()
      await customer.waitForURL(/\/sent$/)
      const number = (await customer.getByTestId('number').textContent())!.trim()
      expect(number).toMatch(/^TP-\d{4}-000001$/)
      // The receipt of what was sent, as the confirmation email carries it: made just after
      // the submission commits, so the page says it is coming until it is there.
      for (let i = 0; i < 50 && !(await customer.getByTestId('receipt').count()); i++) {
        expect(await customer.getByTestId('receipt-preparing').count()).toBe(1)
        await customer.waitForTimeout(200)
        await customer.reload()
      }
      const receipt = await customer.getByTestId('receipt').getAttribute('href')
      const pdf = await customer.evaluate(async (href) => {
        const res = await fetch(href)
        return { type: res.headers.get('content-type'), head: (await res.text()).slice(0, 5) }
      }, receipt!)
      expect(pdf).toEqual({ type: 'application/pdf', head: '%PDF-' })
      expect(await customer.getByTestId('due').textContent()).toMatch(/\d{4}/)
      await expectAccessible(customer)
      await customer.getByRole('link', { name: 'Следить за заявкой' }).click()
      expect(await currentStep(customer)).toBe('Подана')
      await expectAccessible(customer)

      await signInStaff(staff, ru, t.clock)
      await staff.getByRole('link', { name: 'Заявки', exact: true }).first().click()
      await expectAccessible(staff)
      await staff.getByRole('link', { name: number }).click()
      await expectAccessible(staff)

      for (const [code, name] of STEPS) {
        if (code === 'contract') {
          await staff.locator('#comment').fill('Договор во вложении')
          await staff
            .locator('#staff')
            .setInputFiles({ name: 'dogovor.pdf', mimeType: 'application/pdf', buffer: PDF })
        }
        await staff.getByTestId(`move-${code}`).click()
        await expect.poll(() => staff.locator('[data-testid="flash"]').count()).toBe(1)
        // The customer's open page follows: the stream says the status changed, the page reloads.
        await expect.poll(() => currentStep(customer), { timeout: 10_000 }).toBe(name)
        if (code === 'contract') {
          // The customer accepts the contract online, by name, on the page that just moved.
          await customer.getByLabel('Ваши фамилия, имя и отчество').fill('Иван Петров')
          await customer.getByLabel('Я прочитал(а) этот документ и принимаю его').check()
          await customer.getByRole('button', { name: 'Принять', exact: true }).click()
          await expect.poll(() => customer.getByTestId('acceptances').count()).toBe(1)
          expect(await customer.getByTestId('acceptances').textContent()).toContain('Иван Петров')
          await expectAccessible(customer)
          // The operator's open page follows too: it reloads and shows the acceptance.
          await expect.poll(() => staff.getByTestId('acceptances').count(), { timeout: 10_000 }).toBe(1)
          await staff.waitForLoadState()
        }
      }
      await expectAccessible(customer)
      expect(await customer.locator('.kb-timeline__step--done').count()).toBe(6)
      expect(await customer.getByTestId('history').textContent()).toContain('Договор во вложении')

      // The conversation, live both ways.
      await staff.locator('#body').fill('Акты готовы, подпишите, пожалуйста.')
      await staff.getByRole('button', { name: 'Отправить сообщение' }).click()
      await expect
        .poll(() => customer.getByTestId('messages').textContent(), { timeout: 10_000 })
        .toContain('Акты готовы, подпишите, пожалуйста.')
      // Seen live, it counts as read (the page posted the marker): no unread-message email follows.
      await expect
        .poll(
          () =>
            withTenant(t.db.owner, ru.tenantId, (trx) =>
              trx('applications')
                .where({ number })
                .first<{ customer_read_n: string; last_message_n: string }>(
                  'customer_read_n',
                  'last_message_n',
                ),
            ).then((r) => r.customer_read_n === r.last_message_n && r.last_message_n !== '0'),
          { timeout: 10_000 },
        )
        .toBe(true)
      await customer.locator('#body').fill('Спасибо, подпишу завтра.')
      await customer.getByRole('button', { name: 'Отправить сообщение' }).click()
      await expect
        .poll(() => staff.getByTestId('messages').textContent(), { timeout: 10_000 })
        .toContain('Спасибо, подпишу завтра.')
      await expectAccessible(staff)
      await expectAccessible(customer)
    } finally {
      await customerContext.close()
      await staffContext.close()
    }
  }, 120_000)
})
