import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { createActivePerson } from '../../src/modules/accounts/index.ts'
import type { DemoLogin } from '../../src/modules/tenants/index.ts'
import { hashPassword } from '../../src/platform/passwords.ts'
import { linkIn } from '../helpers/accounts.ts'
import {
  newContext,
  printJourneyDurations,
  signInCustomer,
  startBrowserApp,
  step,
  type BrowserApp,
} from '../helpers/browser.ts'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.ts'

const JAN = { email: 'jan.kowalski@example.pl', password: 'Kolega z biura 2026' }

/**
 * Issue 21's first journey in Polish: the demo company invites a colleague who may only
 * follow applications, he accepts with his own login and sees the company's cabinet
 * narrowed to that, and the company removes him again. Every page is checked by axe.
 */
describe('colleagues of a company in the browser (pl)', () => {
  printJourneyDurations()
  let smtp: SmtpSink
  let app: BrowserApp
  let pl: DemoLogin

  beforeAll(async () => {
    smtp = await startSmtpSink()
    app = await startBrowserApp({ smtpUrl: smtp.url })
    pl = app.logins.find((l) => l.url.includes('//pl.'))!
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

  it('the company invites Jan to follow its applications, he accepts, and it removes him again', async () => {
    const company = await (await newContext(app.browser, { locale: 'pl' })).newPage()
    const jan = await (await newContext(app.browser, { locale: 'pl' })).newPage()
    await signInCustomer(company, pl)
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

    // The company sees him among its colleagues and removes him.
    await step(company, () => company.goto(`${pl.url}/account/colleagues`))
    await step(company, () => company.getByRole('link', { name: 'Zmień – Jan Kowalski' }).click())
    await step(company, () => company.getByRole('button', { name: 'Usuń' }).click())
    expect(await company.getByTestId('flash').textContent()).toContain('Jan Kowalski')

    // His next page is his own account's.
    await step(jan, () => jan.goto(`${pl.url}/cabinet`))
    expect(await jan.getByTestId('acting-for').count()).toBe(0)
  })
})
