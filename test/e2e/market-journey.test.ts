import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { createEnrolledCustomer } from '../../src/modules/accounts/index.ts'
import { demoPowerUserEmail, demoSupplierEmail } from '../../src/modules/market/demo.ts'
import { hashPassword } from '../../src/platform/passwords.ts'
import { DEMO_METERING_ACCOUNTS } from '../../src/simulator/customers.ts'
import { startSimulator } from '../../src/simulator/server.ts'
import type { DemoLogin } from '../../src/modules/tenants/index.ts'
import { PDF } from '../helpers/applications.ts'
import {
  newContext,
  printJourneyDurations,
  signInCustomer,
  signInStaff,
  startBrowserApp,
  step,
  type BrowserApp,
} from '../helpers/browser.ts'

const file = (name: string) => ({ name, mimeType: 'application/pdf', buffer: PDF })

/**
 * Issue 20's journeys in Chinese (seed 003, the cn demo): a generation company registers
 * with two generating units and their PDFs and the centre approves it; a power user
 * registers with units from the utility's metering points (the back-office simulator);
 * the demo supplier binds the demo power user, the user confirms, the centre approves.
 * Every page is checked by axe.
 */
describe('market registration in the browser (zh-CN, seed 003)', () => {
  printJourneyDurations()
  let app: BrowserApp
  let cn: DemoLogin
  let simulator: Awaited<ReturnType<typeof startSimulator>>

  beforeAll(async () => {
    simulator = await startSimulator(0)
    app = await startBrowserApp()
    cn = app.logins.find((l) => l.url.includes('//cn.'))!
    // The demo points at the simulator `npm start` runs; this one runs on a free port.
    await withTenant(app.t.db.owner, cn.tenantId, (trx) =>
      trx('tenants')
        .where({ id: cn.tenantId })
        .update({
          settings: trx.raw(`jsonb_set(settings, '{modules,market}', ?::jsonb)`, [
            JSON.stringify({ customerSystem: simulator.url }),
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

  /**
   * The demo administrator signs in with a fresh TOTP code: a code is taken once, so the
   * test clock moves on a step first (whichever journey signed in before).
   */
  async function staffSignIn(page: Page) {
    app.t.clock.set(new Date(app.t.clock.now().getTime() + 30_000))
    await signInStaff(page, cn, app.t.clock)
  }

  /** One wizard part: its fields filled, then Save and continue. */
  async function part(page: Page, fill: () => Promise<void>) {
    await fill()
    await step(page, () => page.getByRole('button', { name: '保存并下一步' }).click())
  }

  it('a generation company registers with two generating units and their PDFs, and the centre approves it', async () => {
    const context = await newContext(app.browser, { locale: 'zh-CN' })
    const page = await context.newPage()
    try {
      await signInCustomer(page, cn)
      await step(page, () => page.goto(`${cn.url}/services/market`))
      await step(page, () => page.getByRole('link', { name: '注册为市场成员' }).click())
      await part(page, () => page.getByLabel('发电企业').check())
      await part(page, async () => {
        await page.getByLabel('企业全称').fill('湖北清江发电有限公司')
        await page.getByLabel('调度简称').fill('清江电厂')
        await page.getByLabel('法定代表人身份证号').fill('11010519491231002X')
      })
      // A bad code is said beside its field, in the summary that takes focus.
      await part(page, async () => {
        await page.getByLabel('统一社会信用代码').fill('91110000600037341M')
        await page.getByLabel('不豁免').check()
        await page.getByLabel('已取得').check()
        await page.getByLabel('许可证编号').fill('1042314-00555')
      })
      expect(await page.locator('.govuk-error-summary').isVisible()).toBe(true)
      await part(page, () => page.getByLabel('统一社会信用代码').fill('91110000600037341L'))
      await part(page, async () => {
        await page.getByLabel('联系人').fill('王工')
        await page.getByLabel('联系电话').fill('13800138000')
        await page.getByLabel('电子邮箱').fill('wang@example.com')
      })
      await part(page, () => page.getByLabel('装机容量（兆瓦）').fill('240'))
      await part(page, async () => {
        await page.getByLabel('统一社会信用代码证书').setInputFiles(file('uscc.pdf'))
        await page.getByLabel('法定代表人身份证').setInputFiles(file('id.pdf'))
        await page.getByLabel('电力业务许可证').setInputFiles(file('licence.pdf'))
      })
      for (const [name, dispatch] of [
        ['1号机组', '清江1号'],
        ['2号机组', '清江2号'],
      ] as const) {
        await page.getByLabel('单元名称').fill(name)
        await page.getByLabel('类型').selectOption('hydro')
        await page.getByLabel('容量（兆瓦）').fill('120')
        await page.getByLabel('调度名称').fill(dispatch)
        await page.getByLabel('并网日期').fill('2012-09-28')
        await step(page, () => page.getByRole('button', { name: '添加单元' }).click())
        await page.getByLabel('项目核准（建设批复）文件').setInputFiles(file('construction.pdf'))
        await page.getByLabel('电价批复文件').setInputFiles(file('price.pdf'))
        await step(page, () => page.getByRole('button', { name: '上传' }).click())
        expect(await page.getByTestId('unit-documents').locator('li').count()).toBe(2)
        await step(page, () => page.getByRole('link', { name: '单元', exact: true }).first().click())
      }
      expect(await page.getByTestId('units').locator('tbody tr').count()).toBe(2)
      await step(page, () => page.getByRole('link', { name: '保存并下一步' }).click())
      expect(await page.getByTestId('missing-list').count()).toBe(0)
      await step(page, () => page.getByRole('button', { name: '完成注册' }).click())
      expect(page.url()).toContain('/cabinet')
    } finally {
      await context.close()
    }

    const staff = await newContext(app.browser, { locale: 'zh-CN' })
    const admin = await staff.newPage()
    try {
      await staffSignIn(admin)
      await step(admin, () => admin.getByRole('link', { name: '市场注册审核' }).click())
      await step(admin, () => admin.getByRole('link', { name: '湖北清江发电有限公司' }).click())
      await admin.getByLabel('通过', { exact: true }).check()
      await step(admin, () => admin.getByRole('button', { name: '提交决定' }).click())
      expect(await admin.getByTestId('registration-status').textContent()).toBe('审核通过')
    } finally {
      await staff.close()
    }

    const again = await newContext(app.browser, { locale: 'zh-CN' })
    const member = await again.newPage()
    try {
      await signInCustomer(member, cn)
      await step(member, () => member.goto(`${cn.url}/services/market`))
      expect(await member.getByRole('heading', { level: 1 }).textContent()).toBe('市场成员资格')
    } finally {
      await again.close()
    }
  }, 120_000)

  it('a power user registers with consumption units from the utility’s metering points, duplicates merged', async () => {
    const email = 'steel@example.com'
    const password = 'Hubei!steel2026'
    await withTenant(app.t.db.owner, cn.tenantId, async (trx) =>
      createEnrolledCustomer(trx, {
        tenant_id: cn.tenantId,
        email,
        password_hash: await hashPassword(password),
        organisation_name: '湖北清江钢铁有限公司',
        phone: null,
        preferred_locale: 'zh-CN',
        consent_version: 1,
        consent_ip: null,
        now: new Date(),
      }),
    )
    const [account] = DEMO_METERING_ACCOUNTS
    const context = await newContext(app.browser, { locale: 'zh-CN' })
    const page = await context.newPage()
    try {
      await signInCustomer(page, { ...cn, customerEmail: email, customerPassword: password })
      await step(page, () => page.goto(`${cn.url}/services/market/registration`))
      await part(page, () => page.getByLabel('电力用户').check())
      await part(page, async () => {
        await page.getByLabel('企业全称').fill('湖北清江钢铁有限公司')
        await page.getByLabel('调度简称').fill('清江钢铁')
        await page.getByLabel('法定代表人身份证号').fill('11010519491231002X')
      })
      await part(page, () => page.getByLabel('统一社会信用代码').fill('91310115MA1K3BTP2B'))
      await part(page, async () => {
        await page.getByLabel('联系人').fill('李工')
        await page.getByLabel('联系电话').fill('13900139000')
        await page.getByLabel('电子邮箱').fill('li@example.com')
      })
      await part(page, async () => {
        await page.getByLabel('电压等级').selectOption('110kV')
        await page.getByLabel('年用电量（兆瓦时）').fill('86000')
      })
      await part(page, async () => {
        await page.getByLabel('统一社会信用代码证书').setInputFiles(file('uscc.pdf'))
        await page.getByLabel('法定代表人身份证').setInputFiles(file('id.pdf'))
      })
      await step(page, () => page.getByRole('link', { name: '查询营销计量点' }).click())
      await page.getByLabel('用电户号').fill(account!.account)
      await page.getByLabel('查询密码').fill('wrong-one')
      await step(page, () => page.getByRole('button', { name: '查询', exact: true }).click())
      expect(await page.locator('.govuk-error-summary').isVisible()).toBe(true)
      await page.getByLabel('查询密码').fill(account!.password)
      await step(page, () => page.getByRole('button', { name: '查询', exact: true }).click())
      expect(await page.getByTestId('points').locator('input[type=checkbox]').count()).toBe(3)
      await step(page, () => page.getByRole('button', { name: '生成用电单元' }).click())
      expect(await page.locator('.govuk-notification-banner').textContent()).toContain('4201000123001')
      expect(await page.getByTestId('units').locator('tbody tr').count()).toBe(3)
      await step(page, () => page.getByRole('link', { name: '保存并下一步' }).click())
      await step(page, () => page.getByRole('button', { name: '完成注册' }).click())
      expect(page.url()).toContain('/cabinet')
    } finally {
      await context.close()
    }
  }, 120_000)

  it('the demo supplier binds the demo power user, the user confirms and the centre approves', async () => {
    const supplier = await newContext(app.browser, { locale: 'zh-CN' })
    const page = await supplier.newPage()
    let bindingUrl: string | undefined
    try {
      await signInCustomer(page, { ...cn, customerEmail: demoSupplierEmail('cn') })
      await step(page, () => page.goto(`${cn.url}/services/market`))
      await step(page, () => page.getByTestId('bindings-link').click())
      await step(page, () => page.getByRole('link', { name: '绑定零售用户' }).click())
      await page.getByLabel('电力用户').fill('钢铁')
      await step(page, () => page.getByRole('button', { name: '查询' }).click())
      await step(page, () => page.getByRole('link', { name: /选择.*湖北示范钢铁有限公司/ }).click())
      await page.getByLabel('起始日期').fill('2026-12-01')
      await page.getByLabel('截止日期（含）').fill('2027-11-30')
      await page.getByLabel('合同编号').fill('CT-2026-001')
      await page.getByLabel('合同', { exact: true }).setInputFiles(file('contract.pdf'))
      await step(page, () => page.getByRole('button', { name: '提交给用户确认' }).click())
      expect(await page.getByTestId('binding-status').textContent()).toBe('待零售用户确认')
      bindingUrl = page.url()
    } finally {
      await supplier.close()
    }

    const user = await newContext(app.browser, { locale: 'zh-CN' })
    const userPage = await user.newPage()
    try {
      await signInCustomer(userPage, { ...cn, customerEmail: demoPowerUserEmail('cn') })
      await step(userPage, () => userPage.goto(`${cn.url}/services/market/bindings`))
      await step(userPage, () => userPage.getByRole('link', { name: '湖北楚天售电有限公司' }).click())
      await userPage.getByLabel('确认').check()
      await step(userPage, () => userPage.getByRole('button', { name: '提交答复' }).click())
      expect(await userPage.getByTestId('binding-status').textContent()).toBe('待交易中心审批')
    } finally {
      await user.close()
    }

    const staff = await newContext(app.browser, { locale: 'zh-CN' })
    const admin = await staff.newPage()
    try {
      await staffSignIn(admin)
      await step(admin, () => admin.getByRole('link', { name: '零售绑定审批' }).click())
      await step(admin, () => admin.getByRole('link', { name: '湖北楚天售电有限公司' }).click())
      await admin.getByLabel('通过', { exact: true }).check()
      await step(admin, () => admin.getByRole('button', { name: '提交决定' }).click())
      expect(await admin.getByTestId('binding-status').textContent()).toBe('已通过')
      expect(bindingUrl?.split('/').at(-1)).toBe(admin.url().split('/').at(-1))
    } finally {
      await staff.close()
    }
  }, 120_000)
})
