import { existsSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import axe, { type RunOptions } from 'axe-core'
import {
  chromium,
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  type Page,
} from 'playwright-core'
import { afterEach, beforeEach, expect } from 'vitest'
import { seedDemo, type DemoLogin } from '../../src/modules/tenants/index.ts'
import { MODULES } from '../../src/registry.ts'
import { totpCode } from '../../src/platform/totp.ts'
import { createTestApp, type TestApp, type TestAppOptions } from './app.ts'

/**
 * Debian's old headless shell when installed: it renders the same Blink without the full
 * browser around it, and a journey ran in about 60 % of the time of headless Chromium with
 * another journey beside it on a 2-core machine. Chromium itself otherwise.
 */
const CHROMIUM =
  process.env.CHROMIUM_PATH ??
  ['/usr/bin/chromium-headless-shell', '/usr/bin/chromium'].find((p) => existsSync(p)) ??
  '/usr/bin/chromium'

/** Debian's Chromium; missing, the browser tests fail with the one line that fixes it. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: install it with "apt-get install -y chromium-headless-shell" (or chromium)`,
    )
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}

const WCAG = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']
const LANDMARK_RULES = [
  'landmark-unique',
  'landmark-one-main',
  'landmark-no-duplicate-banner',
  'landmark-no-duplicate-contentinfo',
]

/**
 * A browser context for a journey: axe-core is added as an init script, which Chromium
 * compiles once per context. Injected per check instead (as @axe-core/playwright does, and
 * again into a blank page to merge results), it was parsed anew on every page: 250–300 ms
 * of a 450 ms check on a 2-core machine, and most of a journey's time.
 */
export async function newContext(browser: Browser, options?: BrowserContextOptions): Promise<BrowserContext> {
  const context = await browser.newContext(options)
  await context.addInitScript({ content: axe.source })
  return context
}

/**
 * Every page a journey visits must pass axe's WCAG 2.x A/AA rules, and the landmark
 * rules a screen-reader user navigates by (unique names, one main, one banner).
 */
export async function expectAccessible(page: Page): Promise<void> {
  const options: RunOptions = {
    runOnly: { type: 'tag', values: WCAG },
    rules: Object.fromEntries(LANDMARK_RULES.map((id) => [id, { enabled: true }])),
    resultTypes: ['violations'],
  }
  const violations = await page.evaluate(async (runOptions) => {
    const w = window as unknown as { axe?: typeof axe }
    if (!w.axe) throw new Error('axe-core is missing: open the page in a context from newContext()')
    const result = await w.axe.run(document, runOptions)
    return result.violations.map(
      (v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
    )
  }, options)
  expect(violations).toEqual([])
}

/**
 * Prints each journey's time against its limit, so a journey creeping towards its timeout
 * shows in every run's output long before it fails one (call once in a journey's describe).
 */
export function printJourneyDurations(): void {
  let started = 0
  beforeEach(() => {
    started = performance.now()
  })
  afterEach(({ task }) => {
    const seconds = (performance.now() - started) / 1000
    const limit = task.timeout / 1000
    process.stdout.write(
      `journey: ${seconds.toFixed(1)} s of its ${limit} s limit (${Math.round((100 * seconds) / limit)} %) — ${task.name}\n`,
    )
  })
}

export interface BrowserApp {
  t: TestApp
  port: number
  browser: Browser
  logins: DemoLogin[]
  close(): Promise<void>
}

/** The real app listening on a free port with the demo tenants seeded, and Chromium to drive it. */
export async function startBrowserApp(options: TestAppOptions = {}): Promise<BrowserApp> {
  const t = await createTestApp({ env: { NODE_ENV: 'development' }, mailWorker: true, ...options })
  const server = t.app.listen(0)
  await new Promise((r) => server.once('listening', r))
  const port = (server.address() as AddressInfo).port
  const logins = await seedDemo(t.db.owner, port, MODULES)
  const browser = await launchBrowser()
  return {
    t,
    port,
    browser,
    logins,
    async close() {
      await browser.close()
      await new Promise((r) => server.close(r))
      await t.close()
    },
  }
}

/** A user's action, then the page it led to checked by axe: each step of a journey. */
export async function step(page: Page, action: () => Promise<unknown>): Promise<void> {
  await action()
  await page.waitForLoadState()
  try {
    await expectAccessible(page)
  } catch (error) {
    // A live page (an import's progress) may reload itself while axe runs: the page it
    // settles on is the one to check, once.
    if (!(error instanceof Error) || !error.message.includes('Execution context was destroyed')) throw error
    await page.waitForLoadState()
    await expectAccessible(page)
  }
}

/** A demo customer signs in (by the form's ids, whatever language the page speaks). */
export async function signInCustomer(page: Page, login: DemoLogin): Promise<void> {
  await page.goto(`${login.url}/login`)
  await page.locator('#login').fill(login.customerEmail)
  await page.locator('#password').fill(login.customerPassword)
  await page.locator('main button[type="submit"]').first().click()
  await page.waitForURL((url) => url.pathname !== '/login')
}

/** The demo administrator signs in with the printed TOTP secret, at the clock's time. */
export async function signInStaff(page: Page, login: DemoLogin, clock: { now(): Date }): Promise<void> {
  await page.goto(`${login.url}/admin/login`)
  await page.locator('#email').fill(login.email)
  await page.locator('#password').fill(login.password)
  await page.locator('main button[type="submit"]').first().click()
  await page.waitForURL(/\/admin\/login\/code$/)
  await page.locator('#code').fill(totpCode(login.totpSecret, clock.now()))
  await page.locator('main button[type="submit"]').first().click()
  await page.waitForURL(/\/admin$/)
}
