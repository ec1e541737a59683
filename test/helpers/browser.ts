import { existsSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import AxeBuilder from '@axe-core/playwright'
import { chromium, type Browser, type Page } from 'playwright-core'
import { expect } from 'vitest'
import { seedDemo, type DemoLogin } from '../../src/modules/tenants/index.ts'
import { MODULES } from '../../src/registry.ts'
import { createTestApp, type TestApp, type TestAppOptions } from './app.ts'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** Debian's Chromium; missing, the browser tests fail with the one line that fixes it. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install it with "apt-get install -y chromium"`)
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
const LANDMARK_RULES = new Set([
  'landmark-unique',
  'landmark-one-main',
  'landmark-no-duplicate-banner',
  'landmark-no-duplicate-contentinfo',
])

/**
 * Every page a journey visits must pass axe's WCAG 2.x A/AA rules, and the landmark
 * rules a screen-reader user navigates by (unique names, one main, one banner).
 */
export async function expectAccessible(page: Page): Promise<void> {
  // One pass: best-practice is only run for the landmark rules picked out below.
  const result = await new AxeBuilder({ page }).withTags([...WCAG, 'best-practice']).analyze()
  const violations = result.violations.filter(
    (v) => LANDMARK_RULES.has(v.id) || v.tags.some((tag) => WCAG.includes(tag)),
  )
  const summary = violations.map(
    (v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
  )
  expect(summary).toEqual([])
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
