import { describe, expect, it } from 'vitest'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { ConfigError, loadConfig } from '../../src/config.ts'

const varDir = () => mkdtempSync(path.join(tmpdir(), 'kabinet-config-'))

describe('configuration', () => {
  it('has working defaults for development and keeps a generated session secret', () => {
    const dir = varDir()
    const first = loadConfig({ VAR_DIR: dir })
    expect(first).toMatchObject({ env: 'development', port: 3000, trustProxyHops: 0, logLevel: 'info' })
    expect(first.sessionSecret.length).toBeGreaterThanOrEqual(32)
    expect(loadConfig({ VAR_DIR: dir }).sessionSecret).toBe(first.sessionSecret)
  })

  it.each([
    [{ PORT: 'eighty' }, /^Invalid configuration: PORT /],
    [{ DATABASE_URL: 'mysql://x@y/z' }, /^Invalid configuration: DATABASE_URL /],
    [{ SMTP_URL: 'http://mail' }, /^Invalid configuration: SMTP_URL /],
    [{ TRUST_PROXY_HOPS: 'true' }, /^Invalid configuration: TRUST_PROXY_HOPS /],
    [{ LOG_LEVEL: 'loud' }, /^Invalid configuration: LOG_LEVEL /],
    [
      { NODE_ENV: 'production', DATABASE_URL: 'postgres://a@b/c' },
      /SESSION_SECRET is required in production/,
    ],
    [{ NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40) }, /DATABASE_URL is required in production/],
    [
      { NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40), DATABASE_URL: 'postgres://a@b/c' },
      /SMTP_URL is required in production/,
    ],
    [{ SESSION_SECRET: 'short' }, /^Invalid configuration: SESSION_SECRET /],
    [
      {
        NODE_ENV: 'production',
        SESSION_SECRET: 'x'.repeat(40),
        DATABASE_URL: 'postgres://a@b/c',
        SMTP_URL: 'smtp://mail:25',
        PDF_FONT: '/nowhere/font.ttf',
      },
      /PDF_FONT \/nowhere\/font.ttf does not exist/,
    ],
  ])('stops with one line naming the variable: %o', (env, message) => {
    expect(() => loadConfig({ VAR_DIR: varDir(), ...env })).toThrow(ConfigError)
    expect(() => loadConfig({ VAR_DIR: varDir(), ...env })).toThrow(message)
  })

  it('finds the receipts’ font, or goes without receipts outside production', () => {
    expect(loadConfig({ VAR_DIR: varDir(), PDF_FONT: '/nowhere/font.ttf' }).pdfFont).toBeUndefined()
    expect(loadConfig({ VAR_DIR: varDir(), PDF_FONT: `${import.meta.filename}#Face` }).pdfFont).toEqual({
      file: import.meta.filename,
      face: 'Face',
    })
  })

  it('returns a frozen object', () => {
    const config = loadConfig({ VAR_DIR: varDir() })
    expect(Object.isFrozen(config)).toBe(true)
  })
})
