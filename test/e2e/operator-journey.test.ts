import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { totpCode } from '../../src/platform/totp.ts'
import {
  expectAccessible,
  newContext,
  printJourneyDurations,
  startBrowserApp,
  type BrowserApp,
} from '../helpers/browser.ts'
import { STAFF_PASSWORD, createOperator } from '../helpers/operators.ts'

describe('operator journey in the browser', () => {
  printJourneyDurations()
  let app: BrowserApp

  beforeAll(async () => {
    app = await startBrowserApp()
  })
  afterAll(() => app?.close())

  it('the demo administrator signs in with the printed TOTP secret', async () => {
    const { t, browser, logins } = app
    const admin = logins.find((l) => l.url.includes('//ru.'))!
    const context = await newContext(browser, { locale: 'ru-RU' })
    const page = await context.newPage()
    try {
      await page.goto(`${admin.url}/admin/login`)
      await page.getByLabel('Адрес электронной почты').fill(admin.email)
      await page.getByLabel('Пароль').fill(admin.password)
      await page.getByRole('button', { name: 'Войти' }).click()
      await page.waitForURL(/\/admin\/login\/code$/)
      await expectAccessible(page)
      await page.getByLabel('Код').fill(totpCode(admin.totpSecret, t.clock.now()))
      await page.getByRole('button', { name: 'Продолжить' }).click()
      await page.waitForURL(/\/admin$/)
      expect(await page.locator('h1').textContent()).toContain('Раздел сотрудников')
      await expectAccessible(page)
    } finally {
      await context.close()
    }
  })

  it('a new administrator enrols TOTP at the first sign-in, then changes the tenant settings', async () => {
    const { t, browser, logins } = app
    const cn = logins.find((l) => l.url.includes('//cn.'))!
    const admin = {
      url: cn.url,
      email: await createOperator(t, cn.tenantId, 'admin'),
      password: STAFF_PASSWORD,
    }
    const context = await newContext(browser, { locale: 'zh-CN' })
    const page = await context.newPage()
    try {
      await page.goto(`${admin.url}/admin/login`)
      await expectAccessible(page)
      await page.getByLabel('电子邮箱').fill(admin.email)
      await page.getByLabel('密码').fill(admin.password)
      await page.getByRole('button', { name: '登录' }).click()
      await page.waitForURL(/\/admin\/totp\/setup$/)
      await expectAccessible(page)
      expect(await page.locator('img[alt="身份验证器应用的二维码"]').getAttribute('src')).toMatch(
        /^data:image\/png;base64,/,
      )
      const secret = (await page.getByTestId('totp-secret').textContent())!.trim()
      await page.getByLabel('验证码').fill(totpCode(secret, t.clock.now()))
      await page.getByRole('button', { name: '确认并启用' }).click()
      await expect.poll(() => page.getByTestId('recovery-codes').locator('li').count()).toBe(10)
      await expectAccessible(page)
      await page.getByRole('link', { name: '已保存，继续' }).click()
      await expectAccessible(page)

      await page.getByRole('link', { name: '门户设置' }).first().click()
      await page.waitForURL(/\/admin\/settings$/)
      await expectAccessible(page)
      await page.getByLabel('品牌颜色').fill('#ffee00')
      await page.getByRole('button', { name: '保存设置' }).click()
      expect(await page.locator('.govuk-error-summary').textContent()).toContain('请选择更深的颜色')
      // The summary takes focus (without relying on JavaScript), and field errors say 错误, not "Error".
      await expect
        .poll(() => page.evaluate(() => document.activeElement?.classList.contains('govuk-error-summary')))
        .toBe(true)
      expect(await page.locator('.govuk-error-message .govuk-visually-hidden').first().textContent()).toBe(
        '错误:',
      )
      await expectAccessible(page)
      await page.getByLabel('品牌颜色').fill('#7a1f5c')
      await page.getByLabel('门户名称').fill('湖北电力交易中心')
      await page.getByRole('button', { name: '保存设置' }).click()
      await expect
        .poll(() => page.locator('.govuk-notification-banner').textContent())
        .toContain('设置已保存')
      expect(await page.locator('.kb-header__name').textContent()).toBe('湖北电力交易中心')
      await expectAccessible(page)

      // The change just made is in the audit log, found by its action.
      await page.getByRole('link', { name: '审计日志' }).click()
      await page.waitForURL(/\/admin\/audit$/)
      await page.getByLabel('操作', { exact: true }).fill('settings')
      await page.getByRole('button', { name: '显示' }).click()
      await expect
        .poll(() => page.locator('table code').first().textContent())
        .toBe('tenant.settings-updated')
      await expectAccessible(page)

      // The working-day calendar shows 2026's 调休 working weekends from the official notice.
      await page.getByRole('link', { name: '工作日历' }).click()
      await page.waitForURL(/\/admin\/calendar$/)
      await page.goto(`${admin.url}/admin/calendar?year=2026`)
      expect(await page.locator('.kb-cal--working[datetime="2026-02-14"]').count()).toBe(1)
      expect(await page.locator('.govuk-list time[datetime="2026-02-14"]').count()).toBe(1)
      await expectAccessible(page)
      await page.locator('#day').fill('2026-12-31')
      await page.locator('#kind').check()
      await page.getByRole('button', { name: '保存' }).click()
      await expect
        .poll(() => page.locator('.govuk-notification-banner').textContent())
        .toContain('日历已保存')
      expect(await page.locator('.govuk-list time[datetime="2026-12-31"]').count()).toBe(1)
      expect(await page.locator('.kb-cal--off[datetime="2026-12-31"]').count()).toBe(1)
      await expectAccessible(page)

      // An enrolment in Chinese: the table's headers keep their words whole, not one character per line.
      await page.goto(`${admin.url}/admin/enrolments`)
      await page.locator('#service').check()
      await page.locator('#company').fill('湖北清江发电有限公司')
      await page.locator('#email').fill('qingjiang@example.cn')
      await page.getByRole('button', { name: '发放并邮寄令牌' }).click()
      await expect.poll(() => page.getByTestId('flash-secret').count()).toBe(1)
      await expectAccessible(page)
      // On a narrow screen, where the reported stacking happened.
      await page.setViewportSize({ width: 480, height: 900 })
      const lineHeights = await page.evaluate(() =>
        [...document.querySelectorAll('.govuk-table__header')].map((th) => {
          const style = getComputedStyle(th)
          const padding = parseFloat(style.paddingTop) + parseFloat(style.paddingBottom)
          return (th.getBoundingClientRect().height - padding) / parseFloat(style.lineHeight)
        }),
      )
      expect(lineHeights.length).toBe(6)
      expect(Math.max(...lineHeights)).toBeLessThan(1.5)

      await page.getByRole('button', { name: '退出' }).click()
      await page.waitForURL(/\/admin\/login$/)
    } finally {
      await context.close()
    }
  }, 60_000)
})
