import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { createActivePerson } from '../../src/modules/accounts/index.ts'
import type { DemoLogin } from '../../src/modules/tenants/index.ts'
import { hashPassword } from '../../src/platform/passwords.ts'
import { linkIn } from '../helpers/accounts.ts'
import { PDF } from '../helpers/applications.ts'
import { solarDay } from '../helpers/generation.ts'
import { DEMO_ENROLMENTS } from '../../src/modules/services/demo.ts'
import {
  newContext,
  printJourneyDurations,
  signInCustomer,
  signInStaff,
  startBrowserApp,
  step,
  type BrowserApp,
} from '../helpers/browser.ts'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.ts'

const JAN = { email: 'jan.kowalski@example.pl', password: 'Kolega z biura 2026' }
const INSTALLER = { email: 'montazh@example.ru', password: 'Монтаж на крыше 2026' }

/**
 * Issue 21's journeys. In Polish: the demo company enrols in generation planning and invites
 * a colleague who may follow its applications and plan its generation; he accepts with his
 * own login, sees the company's cabinet narrowed to that, approves a day's schedule of its
 * wind farm (recorded as his), and the company removes him again. In Russian: an installer files a connection
 * application for the demo company, which confirms it from the emailed link, then ends
 * the grant, and the installer is refused. Every page is checked by axe.
 */
describe('colleagues and representatives in the browser (pl, ru)', () => {
  printJourneyDurations()
  let smtp: SmtpSink
  let app: BrowserApp
  let pl: DemoLogin
  let ru: DemoLogin

  beforeAll(async () => {
    smtp = await startSmtpSink()
    app = await startBrowserApp({ smtpUrl: smtp.url })
    pl = app.logins.find((l) => l.url.includes('//pl.'))!
    ru = app.logins.find((l) => l.url.includes('//ru.'))!
    // An installer firm's login on the ru portal.
    await withTenant(app.t.db.owner, ru.tenantId, async (trx) =>
      createActivePerson(trx, {
        tenant_id: ru.tenantId,
        email: INSTALLER.email,
        password_hash: await hashPassword(INSTALLER.password),
        first_name: 'Монтаж-Сервис',
        last_name: null,
        preferred_locale: 'ru',
        now: app.t.clock.now(),
      }),
    )
    // Jan registered on the portal earlier, as a private person.
    await withTenant(app.t.db.owner, pl.tenantId, async (trx) =>
      createActivePerson(trx, {
        tenant_id: pl.tenantId,
        email: JAN.email,
        password_hash: await hashPassword(JAN.password),
        first_name: 'Jan',
        last_name: 'Kowalski',
        preferred_locale: 'pl',
        now: app.t.clock.now(),
      }),
    )
  })
  afterAll(async () => {
    await app?.close()
    await smtp?.close()
  })

  it('the company invites Jan to plan its generation, he accepts and approves a day’s schedule, and it removes him again', async () => {
    const company = await (await newContext(app.browser, { locale: 'pl' })).newPage()
    const jan = await (await newContext(app.browser, { locale: 'pl' })).newPage()
    await signInCustomer(company, pl)
    // The company enrols in generation planning with the token its operator issued.
    await step(company, () => company.goto(`${pl.url}/account/services`))
    await step(company, () =>
      company.getByRole('link', { name: 'Zarejestruj – Planowanie generacji' }).click(),
    )
    await company.getByLabel('Token').fill(DEMO_ENROLMENTS[0].token)
    await step(company, () => company.getByRole('button', { name: 'Zarejestruj' }).click())
    await step(company, () => company.goto(`${pl.url}/cabinet`))
    await step(company, () => company.getByRole('link', { name: 'Współpracownicy' }).click())
    // The demo colleague is there already.
    expect(await company.locator('main table').first().textContent()).toContain('colleague@pl.kabinet.test')
    await step(company, () => company.getByRole('button', { name: 'Zaproś współpracownika' }).click())

    // Nothing filled in: the summary takes focus and names what is missing.
    await step(company, () => company.getByRole('button', { name: 'Wyślij zaproszenie' }).click())
    await expect
      .poll(() => company.evaluate(() => document.activeElement?.classList.contains('govuk-error-summary')))
      .toBe(true)
    expect(await company.locator('.govuk-error-summary').textContent()).toContain(
      'Wybierz co najmniej jedną rzecz',
    )

    await company.getByLabel('Adres e-mail').fill(JAN.email)
    await company.getByLabel('Współpracownik', { exact: true }).check()
    await company.getByLabel('Wnioski — przeglądanie wniosków').check()
    await company.getByLabel('Planowanie generacji — zapisywanie szkiców planów').check()
    await company.getByLabel('Planowanie generacji — zatwierdzanie planów').check()
    await step(company, () => company.getByRole('button', { name: 'Wyślij zaproszenie' }).click())
    expect(await company.getByTestId('flash').textContent()).toContain(JAN.email)

    const mail = await smtp.waitFor((m) => m.envelopeTo.includes(JAN.email))
    expect(mail.subject).toContain('zaprasza Cię do działania w imieniu')
    const link = linkIn(mail, '/invitations/').replace(/^https?:\/\/[^/]+/, pl.url)

    // Jan opens the link, signs in with his own login, and accepts.
    await step(jan, () => jan.goto(link))
    expect(await jan.getByTestId('invitation-text').textContent()).toContain('Farma Wiatrowa Bałtyk')
    await step(jan, () => jan.locator('main').getByRole('link', { name: 'Zaloguj się' }).click())
    await jan.locator('#login').fill(JAN.email)
    await jan.locator('#password').fill(JAN.password)
    await step(jan, () => jan.locator('main button[type="submit"]').first().click())
    await step(jan, () => jan.getByRole('button', { name: 'Przyjmij zaproszenie' }).click())
    expect(await jan.getByTestId('acting-for').textContent()).toContain('Farma Wiatrowa Bałtyk')
    const menu = jan.locator('nav[aria-labelledby="cabinet-menu"]')
    expect(await menu.getByRole('link', { name: 'Wnioski', exact: true }).count()).toBe(1)
    expect(await menu.getByRole('link', { name: 'Współpracownicy' }).count()).toBe(0)
    await step(jan, () => menu.getByRole('link', { name: 'Wnioski', exact: true }).click())

    // He fills the wind farm's next open day by pasting a column, and approves it for the company.
    await step(jan, () => jan.goto(`${pl.url}/services/pgb`))
    await step(jan, () => jan.getByRole('link', { name: 'PLW-BALTYK-1' }).click())
    const inputs = await jan.locator('form[data-grid] input[name^="v"]').count()
    await jan.locator('#v1').evaluate((input, clip) => {
      const data = new DataTransfer()
      data.setData('text', clip)
      input.dispatchEvent(
        new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }),
      )
    }, solarDay(inputs, 9000).join('\n'))
    await step(jan, () => jan.getByTestId('approve').click())
    expect(await jan.getByTestId('flash').textContent()).toContain('wersję 1')
    const versionBy = await withTenant(app.t.db.owner, pl.tenantId, (trx) =>
      trx('schedule_versions as v')
        .join('customers as c', 'c.id', 'v.created_by')
        .orderBy('v.created_at', 'desc')
        .first<{ email: string }>('c.email'),
    )
    expect(versionBy.email).toBe(JAN.email)

    // The company sees him among its colleagues and removes him.
    await step(company, () => company.goto(`${pl.url}/account/colleagues`))
    await step(company, () => company.getByRole('link', { name: 'Zmień – Jan Kowalski' }).click())
    await step(company, () => company.getByRole('button', { name: 'Usuń' }).click())
    expect(await company.getByTestId('flash').textContent()).toContain('Jan Kowalski')

    // His next page is his own account's.
    await step(jan, () => jan.goto(`${pl.url}/cabinet`))
    expect(await jan.getByTestId('acting-for').count()).toBe(0)
  })

  it('a company lets an installer file a connection application for it, then ends the grant and the installer is refused', async () => {
    const company = await (await newContext(app.browser, { locale: 'ru-RU' })).newPage()
    const installer = await (await newContext(app.browser, { locale: 'ru-RU' })).newPage()
    await signInCustomer(company, ru)
    await step(company, () => company.goto(`${ru.url}/cabinet`))
    await step(company, () => company.getByRole('link', { name: 'Представители' }).click())
    await step(company, () => company.getByRole('button', { name: 'Выдать доверенность' }).click())
    await company.getByLabel('Адрес электронной почты учётной записи представителя').fill(INSTALLER.email)
    await company.getByLabel('Заявки', { exact: true }).check()
    await company.getByLabel('Заявки — подача и отзыв заявок').check()
    await step(company, () => company.getByRole('button', { name: 'Предложить доверенность' }).click())
    expect(await company.getByTestId('flash').textContent()).toContain(INSTALLER.email)

    // The installer accepts in its own cabinet and switches to the company.
    await installer.goto(`${ru.url}/login`)
    await installer.locator('#login').fill(INSTALLER.email)
    await installer.locator('#password').fill(INSTALLER.password)
    await installer.locator('main button[type="submit"]').first().click()
    await installer.waitForURL((url) => url.pathname !== '/login')
    await step(installer, () => installer.goto(`${ru.url}/account/represented`))
    await step(installer, () => installer.getByRole('button', { name: /Принять/ }).click())
    await step(installer, () => installer.goto(`${ru.url}/account/acting`))
    await installer.getByLabel('ООО «Солнечный двор»').check()
    await step(installer, () => installer.getByRole('button', { name: 'Продолжить' }).click())
    expect(await installer.getByTestId('acting-for').textContent()).toContain('Солнечный двор')

    // It files the company's connection application.
    await step(installer, () => installer.goto(`${ru.url}/services/applications`))
    await step(installer, () => installer.getByTestId('new-application').click())
    await step(installer, () =>
      installer.getByRole('link', { name: 'ТП: юридическое лицо или ИП до 150 кВт' }).click(),
    )
    await step(installer, () => installer.getByTestId('start').click())
    await installer.locator('#text').fill('Солнечная электростанция на крыше склада')
    await installer.locator('#f_capacity').fill('50')
    await installer.locator('#f_address').fill('г. Казань, ул. Садовая, 1')
    for (const field of ['#doc_plan', '#doc_title'])
      await installer
        .locator(field)
        .setInputFiles({ name: 'план.pdf', mimeType: 'application/pdf', buffer: PDF })
    await step(installer, () => installer.getByTestId('send').click())
    // A connection application an installer files counts only once the company confirms it.
    expect(await installer.getByTestId('awaiting-customer').textContent()).toContain(
      'Ожидает подтверждения клиентом',
    )
    const application = installer.url()

    // The company follows the emailed link, checks it and confirms it.
    const mail = await smtp.waitFor(
      (m) => m.envelopeTo.includes(ru.customerEmail) && /подтвердите заявку/.test(m.subject ?? ''),
    )
    expect(mail.text).toContain('Монтаж-Сервис')
    await step(company, () =>
      company.goto(linkIn(mail, '/services/applications/').replace(/^https?:\/\/[^/]+/, ru.url)),
    )
    expect(await company.getByTestId('filed-by').textContent()).toContain('Монтаж-Сервис')
    await step(company, () => company.getByRole('button', { name: 'Подтвердить и подать' }).click())
    await company.waitForURL(/\/sent$/)
    expect(await company.locator('main').textContent()).toMatch(/TP-2026-\d{6}/)

    // The company ends the grant.
    await step(company, () => company.goto(`${ru.url}/account/representatives`))
    await step(company, () => company.getByRole('button', { name: /Прекратить сейчас/ }).click())
    expect(await company.getByTestId('flash').textContent()).toContain('Доверенность прекращена')

    // The installer's next request for it is refused.
    const refused = await installer.goto(application)
    expect(refused?.status()).toBe(404)
    expect(await installer.getByTestId('acting-for').count()).toBe(0)

    // Staff see the ended grant on the company's page of people and representation.
    const staff = await (await newContext(app.browser, { locale: 'ru-RU' })).newPage()
    app.t.clock.set(new Date(app.t.clock.now().getTime() + 30_000))
    await signInStaff(staff, ru, app.t.clock)
    const companyId = await withTenant(app.t.db.owner, ru.tenantId, (trx) =>
      trx('customers').where({ email: ru.customerEmail }).first<{ id: string }>('id'),
    )
    await step(staff, () => staff.goto(`${ru.url}/admin/customers/${companyId.id}`))
    await step(staff, () => staff.getByTestId('people-link').click())
    expect(await staff.locator('main').textContent()).toContain('Монтаж-Сервис')
  })
})
