import { describe, expect, it } from 'vitest'
import { contrastRatio } from '../../src/platform/colour.ts'
import { TenantSettings } from '../../src/platform/tenancy/settings.ts'
import { contentDisposition } from '../../src/http/download.ts'

const valid = {
  name: 'Demo',
  defaultLocale: 'pl',
  timeZone: 'Europe/Warsaw',
  branding: { primaryColour: '#005A70' },
  enabledServices: ['pgb'],
  supportEmail: 'help@example.com',
  publicBaseUrl: 'https://portal.example.com/',
}

describe('tenant settings', () => {
  it('accepts valid settings and normalises colour and base URL', () => {
    const parsed = TenantSettings.parse(valid)
    expect(parsed.branding.primaryColour).toBe('#005a70')
    expect(parsed.publicBaseUrl).toBe('https://portal.example.com')
  })

  it('computes WCAG contrast ratios', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5)
    expect(contrastRatio('#1d70b8', '#ffffff')).toBeCloseTo(5.17, 1)
    expect(contrastRatio('#ffdd00', '#ffffff')).toBeLessThan(4.5)
  })

  it.each([
    [{ branding: { primaryColour: '#ffdd00' } }, 'settings.errors.colourContrast'],
    [{ branding: { primaryColour: 'blue' } }, 'settings.errors.colourFormat'],
    [{ timeZone: 'Mars/Olympus' }, 'settings.errors.timeZone'],
    [{ defaultLocale: 'de' }, 'settings.errors.locale'],
    [{ supportEmail: 'nope' }, 'settings.errors.supportEmail'],
    [{ publicBaseUrl: 'javascript:alert(1)' }, 'settings.errors.publicBaseUrl'],
    [{ name: '  ' }, 'settings.errors.nameRequired'],
  ])('refuses %o with a message key', (override, message) => {
    const result = TenantSettings.safeParse({ ...valid, ...override })
    expect(result.success).toBe(false)
    expect(result.error?.issues.map((i) => i.message)).toContain(message)
  })
})

describe('contentDisposition', () => {
  it('always makes an attachment with an RFC 5987 name and a safe ASCII fallback', () => {
    expect(contentDisposition('заявка "1";.pdf')).toBe(
      `attachment; filename="______ _1__.pdf"; filename*=UTF-8''%D0%B7%D0%B0%D1%8F%D0%B2%D0%BA%D0%B0%20%221%22%3B.pdf`,
    )
  })
})

describe('formatters', () => {
  it('format instants in the tenant’s zone and business days as calendar days', async () => {
    const { formattersFor } = await import('../../src/platform/format.ts')
    const pl = formattersFor('pl', 'Europe/Warsaw')
    expect(pl.date('2026-03-29')).toBe('29 marca 2026')
    expect(pl.dateTime('2026-03-28T23:30:00Z')).toBe('29 mar 2026, 00:30')
    expect(formattersFor('ru', 'Europe/Moscow').number('1234.5', 1)).toBe('1\u00a0234,5')
    expect(formattersFor('zh-CN', 'Asia/Shanghai').date('2026-01-15')).toBe('2026年1月15日')
  })
})
