import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { totpCode } from '../../src/platform/totp.ts'
import { linkIn } from '../helpers/accounts.ts'
import {
  newContext,
  signInCustomer,
  printJourneyDurations,
  startBrowserApp,
  step,
  type BrowserApp,
} from '../helpers/browser.ts'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.ts'
import { startSimulator } from '../../src/simulator/server.ts'

describe('customer journeys in the browser', () => {
  printJourneyDurations()
  let smtp: SmtpSink
  let app: BrowserApp
  let port: number
  let browser: BrowserApp['browser']

  beforeAll(async () => {
    smtp = await startSmtpSink()
    app = await startBrowserApp({ smtpUrl: smtp.url })
    ;({ port, browser } = app)
  })
  afterAll(async () => {
    await app?.close()
    await smtp?.close()
  })

  it('seed 002: a legal entity registers, signs in with the emailed password, must change it, reaches the cabinet', async () => {
    const context = await newContext(browser, { locale: 'ru-RU' })
    const page = await context.newPage()
    const base = `http://ru.localhost:${port}`
    try {
      await step(page, () => page.goto(`${base}/`))
      await step(page, () => page.getByRole('link', { name: 'Регистрация', exact: true }).click())
      await step(page, () =>
        page.getByRole('link', { name: 'Регистрация с получением пароля по почте' }).click(),
      )
      await step(page, () => page.getByRole('button', { name: 'Зарегистрироваться' }).click())
      expect(await page.locator('.govuk-error-summary').textContent()).toContain(
        'Укажите адрес электронной почты',
      )
      // The summary takes focus (GOV.UK), so a screen reader starts with what went wrong.
      expect(
        await page.evaluate(() => document.activeElement?.classList.contains('govuk-error-summary')),
      ).toBe(true)

      // Each category shows only its own fields (without JavaScript all show, with hints).
      await page.getByLabel('Физическое лицо').check()
      expect(await page.locator('#fullName').isVisible()).toBe(true)
      expect(await page.locator('#identifier_ru_snils').isVisible()).toBe(true)
      expect(await page.locator('#organisationName').isVisible()).toBe(false)
      expect(await page.locator('#identifier_ru_inn').isVisible()).toBe(false)
      await page.getByLabel('Юридическое лицо').check()
      expect(await page.locator('#organisationName').isVisible()).toBe(true)
      expect(await page.locator('#fullName').isVisible()).toBe(false)
      expect(await page.locator('#identifier_ru_snils').isVisible()).toBe(false)
      expect(await page.locator('#identifier_ru_inn').isVisible()).toBe(true)
      await page.getByLabel('Наименование организации').fill('АО «Энергосбыт»')
      await page.getByLabel('Адрес электронной почты').fill('office@energosbyt.example')
      await page.getByLabel('Номер телефона').fill('8 912 345-67-89')
      await page.getByLabel('ИНН').fill('7707083893')
      await page.locator('#consent').check()
      await step(page, () => page.getByRole('button', { name: 'Зарегистрироваться' }).click())
      await expect.poll(() => page.locator('h1').textContent()).toBe('Проверьте электронную почту')

      const mail = await smtp.waitFor((m) => m.envelopeTo.includes('office@energosbyt.example'))
      const password = /Одноразовый пароль: (\S+)/.exec(mail.text ?? '')![1]!
      await step(page, () => page.goto(linkIn(mail, '/login')))
      await page.getByLabel('Адрес электронной почты').fill('office@energosbyt.example')
      await page.getByLabel('Пароль', { exact: true }).fill(password)
      await step(page, () => page.getByRole('button', { name: 'Войти' }).click())
      await expect.poll(() => page.locator('h1').textContent()).toBe('Смена пароля')
      await page.getByLabel('Новый пароль').fill('энергия солнца и ветра')
      await page.getByLabel('Повторите пароль').fill('энергия солнца и ветра')
      await step(page, () => page.getByRole('button', { name: 'Сохранить' }).click())
      await expect.poll(() => page.locator('h1').textContent()).toContain('Здравствуйте, АО «Энергосбыт»')
      expect(await page.locator('nav[aria-labelledby="cabinet-menu"]').textContent()).toContain('Заявки')
      // The account links sit at the top right, above the languages, not on a row of their own.
      const brand = (await page.locator('.kb-header__brand').boundingBox())!
      const account = (await page.locator('.kb-header__account').boundingBox())!
      const languages = (await page.locator('.kb-header__lang').boundingBox())!
      expect(account.x).toBeGreaterThan(brand.x + brand.width)
      expect(account.y).toBeLessThan(languages.y)
      expect(Math.abs(account.x + account.width - (languages.x + languages.width))).toBeLessThan(2)
    } finally {
      await context.close()
    }
  })

  it('seed 004: registers, confirms by the emailed link, signs in, sees the profile name instead of the login, signs out', async () => {
    const context = await newContext(browser, { locale: 'pl-PL' })
    const page = await context.newPage()
    const base = `http://pl.localhost:${port}`
    try {
      await step(page, () => page.goto(`${base}/register`))
      await page.getByLabel('Osoba fizyczna').check()
      await page.getByLabel('Adres e-mail').fill('ewa@example.pl')
      await page.getByLabel('Hasło', { exact: true }).fill('wiosenny deszcz 2026')
      await page.getByLabel('Powtórz hasło').fill('wiosenny deszcz 2026')
      await page.locator('#consent').check()
      await step(page, () => page.getByRole('button', { name: 'Zarejestruj się' }).click())
      await expect.poll(() => page.locator('h1').textContent()).toBe('Sprawdź skrzynkę e-mail')

      const mail = await smtp.waitFor((m) => m.envelopeTo.includes('ewa@example.pl'))
      await step(page, () => page.goto(linkIn(mail, '/confirm/')))
      await step(page, () => page.getByRole('button', { name: 'Potwierdź' }).click())
      await expect.poll(() => page.locator('h1').textContent()).toBe('Adres e-mail potwierdzony')

      await step(page, () => page.getByRole('link', { name: 'Zaloguj się' }).last().click())
      await page.getByLabel('Adres e-mail').fill('ewa@example.pl')
      await page.getByLabel('Hasło').fill('wiosenny deszcz 2026')
      await step(page, () => page.getByRole('button', { name: 'Zaloguj się' }).click())
      expect(await page.getByTestId('customer-name').textContent()).toBe('ewa@example.pl')

      await step(page, () => page.getByTestId('customer-name').click())
      await page.getByLabel('Imię').fill('Ewa')
      await page.getByLabel('Nazwisko').fill('Nowak')
      await step(page, () => page.getByRole('button', { name: 'Zaktualizuj profil' }).click())
      expect(await page.getByTestId('customer-name').textContent()).toBe('Ewa Nowak')

      await step(page, () => page.getByRole('button', { name: 'Wyloguj się' }).click())
      expect(new URL(page.url()).pathname).toBe('/')
      expect(await page.getByRole('link', { name: 'Zaloguj się' }).count()).toBe(1)
      await page.goto(`${base}/cabinet`)
      expect(new URL(page.url()).pathname).toBe('/login')
    } finally {
      await context.close()
    }
  })

  it('issue 21: a customer turns on two-step sign-in, signs in again with a code, then with a recovery code', async () => {
    const login = app.logins.find((l) => l.url.includes('//cn.'))!
    const context = await newContext(browser, { locale: 'zh-CN' })
    const page = await context.newPage()
    const signOut = () => step(page, () => page.getByRole('button', { name: '退出' }).click())
    const passwordStep = async () => {
      await step(page, () => page.goto(`${login.url}/login`))
      await page.locator('#login').fill(login.customerEmail)
      await page.locator('#password').fill(login.customerPassword)
      await step(page, () => page.locator('main button[type="submit"]').first().click())
      await page.waitForURL(/\/login\/code$/)
    }
    try {
      await signInCustomer(page, login)
      await step(page, () => page.goto(`${login.url}/account/profile`))
      await step(page, () => page.getByRole('link', { name: '两步登录' }).click())
      expect(await page.locator('h1').textContent()).toBe('设置两步登录')
      expect(await page.locator('img[alt="身份验证器应用的二维码"]').getAttribute('src')).toMatch(
        /^data:image\/png;base64,/,
      )
      const secret = (await page.getByTestId('totp-secret').textContent())!.trim()
      await page.getByLabel('应用当前显示的 6 位验证码').fill('123')
      await step(page, () => page.getByRole('button', { name: '确认并开启' }).click())
      expect(await page.locator('.govuk-error-summary').textContent()).toContain('请输入 6 位验证码')
      await page.getByLabel('应用当前显示的 6 位验证码').fill(totpCode(secret, app.t.clock.now()))
      await step(page, () => page.getByRole('button', { name: '确认并开启' }).click())
      await expect.poll(() => page.getByTestId('recovery-codes').locator('li').count()).toBe(10)
      const recovery = (await page.getByTestId('recovery-codes').locator('code').first().textContent())!
      await step(page, () => page.getByRole('link', { name: '我已保存 – 继续' }).click())
      expect(await page.getByTestId('codes-left').textContent()).toBe('还剩 10 个未使用的恢复码。')
      await signOut()

      await passwordStep()
      app.t.clock.advance(30_000)
      await page.getByLabel('验证码').fill(totpCode(secret, app.t.clock.now()))
      await step(page, () => page.getByRole('button', { name: '继续' }).click())
      expect(new URL(page.url()).pathname).not.toMatch(/^\/login/)
      await signOut()

      await passwordStep()
      await page.getByLabel('验证码').fill(recovery)
      await step(page, () => page.getByRole('button', { name: '继续' }).click())
      await step(page, () => page.goto(`${login.url}/account/two-step`))
      expect(await page.getByTestId('codes-left').textContent()).toBe('还剩 9 个未使用的恢复码。')
    } finally {
      await context.close()
    }
  })

  it('issue 22: a customer makes an API token, sees it once, finds it listed by its prefix, and revokes it', async () => {
    const login = app.logins.find((l) => l.url.includes('//pl.'))!
    const context = await newContext(browser, { locale: 'pl-PL' })
    const page = await context.newPage()
    try {
      await signInCustomer(page, login)
      await step(page, () => page.goto(`${login.url}/account/profile`))
      await step(page, () => page.getByRole('link', { name: 'Tokeny API' }).click())
      await page.getByLabel('Nazwa').fill('Home Assistant')
      await step(page, () => page.getByRole('button', { name: 'Utwórz token' }).click())
      expect(await page.locator('.govuk-error-summary').textContent()).toContain(
        'Wybierz co najmniej jeden zakres',
      )
      await expect
        .poll(() => page.evaluate(() => document.activeElement?.classList.contains('govuk-error-summary')))
        .toBe(true)
      await page.getByLabel('Odczyt wniosków: lista, status i historia').check()
      await page.getByLabel('Ostatni dzień ważności').fill('2027-03-31')
      await step(page, () => page.getByRole('button', { name: 'Utwórz token' }).click())
      const token = (await page.getByTestId('api-token').textContent())!.trim()
      expect(token).toMatch(/^kb_[0-9a-f]{8}_/)
      expect(await page.locator('main').textContent()).toContain('ważny do 31 marca 2027')
      await step(page, () => page.getByRole('link', { name: 'Wróć do tokenów API' }).click())
      const row = page.getByTestId('tokens').locator('tr', { hasText: 'Home Assistant' })
      expect(await row.textContent()).toContain(`kb_${token.slice(3, 11)}_…`)
      expect(await page.content()).not.toContain(token)
      await step(page, () => row.getByRole('button', { name: /Unieważnij/ }).click())
      expect(
        await page.getByTestId('tokens').locator('tr', { hasText: 'Home Assistant' }).textContent(),
      ).toContain('Unieważniony')
      await step(page, () => page.getByRole('link', { name: 'API dla Twoich programów' }).click())
      expect(await page.getByTestId('operation').count()).toBeGreaterThan(0)
    } finally {
      await context.close()
    }
  })

  it('issue 22: a customer adds a webhook, keeps its secret, sends a test event and sees it delivered', async () => {
    const login = app.logins.find((l) => l.url.includes('//ru.'))!
    // The simulator stands in for the customer's own system, as in development.
    const simulator = await startSimulator(0)
    const received = async () =>
      (await (await fetch(`${simulator.url}/webhooks`)).json()) as { event: string; path: string }[]
    const context = await newContext(browser, { locale: 'ru-RU' })
    const page = await context.newPage()
    try {
      await signInCustomer(page, login)
      await step(page, () => page.goto(`${login.url}/account/profile`))
      await step(page, () => page.getByRole('link', { name: 'Вебхуки' }).click())
      await step(page, () => page.getByRole('button', { name: 'Добавить вебхук' }).click())
      const summary = await page.locator('.govuk-error-summary').textContent()
      expect(summary).toContain('Укажите полный адрес')
      expect(summary).toContain('Выберите хотя бы одно событие')
      await expect
        .poll(() => page.evaluate(() => document.activeElement?.classList.contains('govuk-error-summary')))
        .toBe(true)
      await page.getByLabel('Адрес (URL)').fill(`${simulator.url}/webhooks/kabinet`)
      await page.getByLabel('Показание счётчика принято или отклонено').check()
      await step(page, () => page.getByRole('button', { name: 'Добавить вебхук' }).click())
      const secret = (await page.getByTestId('webhook-secret').textContent())!.trim()
      expect(secret).toMatch(/^whsec_/)
      await step(page, () => page.getByRole('link', { name: 'Перейти к вебхуку' }).click())
      expect(await page.content()).not.toContain(secret)
      expect(await page.locator('main').textContent()).toContain('Пока ничего не отправлено')
      await step(page, () => page.getByRole('button', { name: 'Отправить тестовое событие' }).click())
      await expect.poll(async () => (await received()).length, { timeout: 15_000 }).toBe(1)
      expect(await received()).toMatchObject([{ event: 'ping', path: '/webhooks/kabinet' }])
      await step(page, () => page.reload())
      expect(await page.getByTestId('deliveries').textContent()).toMatch(/Доставлено[^]*HTTP 204/)
    } finally {
      await context.close()
      await new Promise((resolve) => simulator.server.close(resolve))
    }
  })
})
