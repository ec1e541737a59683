import { randomUUID } from 'node:crypto'
import { rmSync, utimesSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { assetUrl } from '../../src/http/assets.ts'
import { PUBLIC_DIR } from '../../src/platform/paths.ts'

describe('versioned asset addresses', () => {
  const name = `test-${randomUUID()}.css`
  const file = path.join(PUBLIC_DIR, name)
  afterAll(() => rmSync(file, { force: true }))

  it('follow a changed file within a second, without asking the file system on every page', async () => {
    writeFileSync(file, 'a { color: red }')
    const first = assetUrl(name)
    expect(first).toMatch(new RegExp(`^/public/${name}\\?v=[0-9a-f]{12}$`))
    writeFileSync(file, 'a { color: blue }')
    utimesSync(file, new Date(), new Date(Date.now() + 5_000))
    // Within the second the version is trusted as it was: no stat for each page.
    expect(assetUrl(name)).toBe(first)
    await new Promise((r) => setTimeout(r, 1_100))
    const second = assetUrl(name)
    expect(second).not.toBe(first)
    expect(second).toMatch(/\?v=[0-9a-f]{12}$/)
  })
})
