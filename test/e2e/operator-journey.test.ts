import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seedDemo } from '../../src/modules/tenants/demo.ts'
import { totpCode } from '../../src/platform/totp.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { expectAccessible, launchBrowser } from '../helpers/browser.ts'

describe('operator journey in the browser', () => {
  let t: TestApp
  let server: Server
  let browser: Browser
  let port: number
  let logins: Awaited<ReturnType<typeof seedDemo>>

  beforeAll(async () => {
    t = await createTestApp({ env: { NODE_ENV: 'development' }, mailWorker: true })
    server = t.app.listen(0)
    await new Promise((r) => server.once('listening', r))
    port = (server.address() as AddressInfo).port
    logins = await seedDemo(t.db.owner, port)
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser?.close()
    await new Promise((r) => server.close(r))
    await t.close()
  })

  it('signs in with password and TOTP enrolment, then changes the tenant settings', async () => {
    const admin = logins.find((l) => l.url.includes('//cn.'))!
    const context = await browser.newContext({ locale: 'zh-CN' })
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
      await expectAccessible(page)
      await page.getByLabel('品牌颜色').fill('#7a1f5c')
      await page.getByLabel('门户名称').fill('湖北电力交易中心')
      await page.getByRole('button', { name: '保存设置' }).click()
      await expect
        .poll(() => page.locator('.govuk-notification-banner').textContent())
        .toContain('设置已保存')
      expect(await page.locator('.kb-header__name').textContent()).toBe('湖北电力交易中心')
      await expectAccessible(page)

      await page.getByRole('button', { name: '退出' }).click()
      await page.waitForURL(/\/admin\/login$/)
    } finally {
      await context.close()
    }
  })
})
