import type { Knex } from 'knex'
import { createHash } from 'node:crypto'
import * as OTPAuth from 'otpauth'
import { withTenant } from '../../db/tenant-scope.ts'
import { hashPassword } from '../../platform/passwords.ts'
import type { KabinetModule } from '../../module.ts'
import { insertTenant, tenantExists } from '../../platform/tenancy/repo.ts'
import { TenantSettings, type TenantSettingsInput } from '../../platform/tenancy/settings.ts'

export interface DemoLogin {
  tenantId: string
  tenant: string
  url: string
  email: string
  password: string
  customerEmail: string
  customerPassword: string
  /** The demo administrator's TOTP secret (base32), for an authenticator app. */
  totpSecret: string
  /** What each module's demo data adds to the development banner (e.g. tokens to try). */
  notes: string[]
}

interface DemoTenant {
  id: string
  slug: string
  settings: Omit<TenantSettingsInput, 'publicBaseUrl'>
}

/** The three regions of DOMAIN.md: a Polish DSO, a Russian grid company, the Hubei trading centre. */
const DEMO_TENANTS: DemoTenant[] = [
  {
    id: '6a1c0e0e-0001-4000-8000-000000000001',
    slug: 'pl',
    settings: {
      name: 'Sieci Pomorze (demo)',
      defaultLocale: 'pl',
      timeZone: 'Europe/Warsaw',
      branding: { primaryColour: '#005a70', logoPath: '/public/images/tenants/pl.svg' },
      enabledServices: ['pgb', 'readings', 'applications'],
      supportEmail: 'pomoc@pl.kabinet.test',
      registration: { modes: ['emailConfirmation'], oneTimePasswordDays: 7, loginName: false },
      partyIdentifiers: [{ kind: 'pl.nip', party: 'legal', required: false }],
      consent: {
        version: 1,
        text: {
          pl: 'Wyrażam zgodę na przetwarzanie moich danych osobowych w celu obsługi konta w portalu klienta.',
          en: 'I agree to the processing of my personal data for the purpose of running my customer portal account.',
          ru: 'Я даю согласие на обработку моих персональных данных для ведения моей учётной записи на портале клиента.',
          'zh-CN': '我同意为运营我的客户门户账户而处理我的个人数据。',
        },
      },
    },
  },
  {
    id: '6a1c0e0e-0002-4000-8000-000000000002',
    slug: 'ru',
    settings: {
      name: 'Сетевая компания «Центр» (демо)',
      defaultLocale: 'ru',
      timeZone: 'Europe/Moscow',
      branding: { primaryColour: '#8c1d18', logoPath: '/public/images/tenants/ru.svg' },
      enabledServices: ['applications', 'readings'],
      supportEmail: 'support@ru.kabinet.test',
      registration: {
        modes: ['emailedPassword', 'emailConfirmation'],
        oneTimePasswordDays: 7,
        loginName: false,
      },
      phoneRegion: 'RU',
      modules: { calendar: { country: 'RU' } },
      partyIdentifiers: [
        { kind: 'ru.inn', party: 'legal', required: true },
        { kind: 'ru.snils', party: 'individual', required: false },
      ],
      consent: {
        version: 1,
        text: {
          ru: 'Я даю согласие на обработку моих персональных данных в соответствии с Федеральным законом № 152-ФЗ «О персональных данных».',
          en: 'I consent to the processing of my personal data under Federal Law No. 152-FZ "On Personal Data".',
          pl: 'Wyrażam zgodę na przetwarzanie moich danych osobowych zgodnie z ustawą federalną nr 152-FZ „O danych osobowych”.',
          'zh-CN': '我同意依照第152-FZ号联邦法《个人数据法》处理我的个人数据。',
        },
      },
    },
  },
  {
    id: '6a1c0e0e-0003-4000-8000-000000000003',
    slug: 'cn',
    settings: {
      name: '湖北电力交易中心（演示）',
      defaultLocale: 'zh-CN',
      timeZone: 'Asia/Shanghai',
      branding: { primaryColour: '#0b5394', logoPath: '/public/images/tenants/cn.svg' },
      enabledServices: ['market'],
      supportEmail: 'service@cn.kabinet.test',
      registration: { modes: ['emailConfirmation'], oneTimePasswordDays: 7, loginName: true },
      phoneRegion: 'CN',
      modules: { calendar: { country: 'CN' } },
      passwordPolicy: { minLength: 8, requireComposition: true },
      partyIdentifiers: [{ kind: 'cn.uscc', party: 'legal', required: true }],
      consent: {
        version: 1,
        text: {
          'zh-CN': '我已阅读并同意注册须知，同意平台为办理市场注册业务处理我的个人信息。',
          en: 'I have read and agree to the registration notice, and agree to the processing of my personal information for market registration.',
          pl: 'Przeczytałem(-am) informację o rejestracji i akceptuję ją oraz wyrażam zgodę na przetwarzanie moich danych osobowych w celu rejestracji na rynku.',
          ru: 'Я прочитал(а) уведомление о регистрации, согласен(на) с ним и даю согласие на обработку моих персональных данных для регистрации на рынке.',
        },
      },
    },
  },
]

const DEMO_CUSTOMER_NAMES: Record<string, string> = {
  pl: 'Farma Wiatrowa Bałtyk Sp. z o.o.',
  ru: 'ООО «Солнечный двор»',
  cn: '湖北清江发电有限公司',
}

/** Development credentials only; a production boot never runs this. */
const demoPassword = (slug: string) => `Demo!Admin-${slug}-2026`
const demoCustomerPassword = (slug: string) => `Demo!Customer-${slug}-2026`
const demoTotpSecret = (slug: string) =>
  new OTPAuth.Secret({ buffer: createHash('sha1').update(`kabinet-demo-totp-${slug}`).digest().buffer })
    .base32

export function demoBaseUrl(slug: string, port: number): string {
  return `http://${slug}.localhost${port === 80 ? '' : `:${port}`}`
}

/**
 * Creates or refreshes the demo tenants (hosts `<slug>.localhost`), with one
 * administrator and one customer each, then each module's demo data. Runs as the owner role; each tenant is written
 * inside its own tenant context, like everything else.
 */
export async function seedDemo(
  owner: Knex,
  port: number,
  modules: readonly KabinetModule[],
): Promise<DemoLogin[]> {
  const logins: DemoLogin[] = []
  for (const demo of DEMO_TENANTS) {
    const url = demoBaseUrl(demo.slug, port)
    const email = `admin@${demo.slug}.kabinet.test`
    const customerEmail = `customer@${demo.slug}.kabinet.test`
    logins.push({
      tenantId: demo.id,
      tenant: demo.settings.name,
      url,
      email,
      password: demoPassword(demo.slug),
      customerEmail,
      customerPassword: demoCustomerPassword(demo.slug),
      totpSecret: demoTotpSecret(demo.slug),
      notes: [],
    })
    const settings = { ...demo.settings, publicBaseUrl: url }
    await withTenant(owner, demo.id, async (trx) => {
      if (await tenantExists(trx, demo.slug)) {
        // Development data follows the code: a newer demo configuration replaces the stored one.
        await trx('tenants')
          .where({ id: demo.id })
          .update({ settings: TenantSettings.parse(settings), updated_at: trx.fn.now() })
      } else {
        await insertTenant(trx, { id: demo.id, slug: demo.slug, settings, hosts: [`${demo.slug}.localhost`] })
      }
      // Accounts are added when missing (an older demo database gains them), never overwritten.
      const admin = await trx('operators')
        .whereRaw('lower(email) = ?', [email])
        .first<{ id: string; totp_secret: string | null } | undefined>()
      if (!admin) {
        await trx('operators').insert({
          tenant_id: demo.id,
          email,
          name: 'Demo Administrator',
          role: 'admin',
          password_hash: await hashPassword(demoPassword(demo.slug)),
          totp_secret: demoTotpSecret(demo.slug),
          totp_enabled_at: trx.fn.now(),
        })
      } else if (!admin.totp_secret) {
        await trx('operators')
          .where({ id: admin.id })
          .update({ totp_secret: demoTotpSecret(demo.slug), totp_enabled_at: trx.fn.now() })
      }
      if (!(await trx('customers').whereRaw('lower(email) = ?', [customerEmail]).first('id'))) {
        await trx('customers').insert({
          tenant_id: demo.id,
          email: customerEmail,
          login_name: demo.settings.registration?.loginName ? `Demo${demo.slug}` : null,
          status: 'active',
          password_hash: await hashPassword(demoCustomerPassword(demo.slug)),
          category: 'legal',
          organisation_name: DEMO_CUSTOMER_NAMES[demo.slug],
          preferred_locale: demo.settings.defaultLocale,
          confirmed_at: trx.fn.now(),
        })
      }
    })
    for (const mod of modules) {
      const notes = await mod.demo?.(owner, { id: demo.id, slug: demo.slug, url })
      if (notes) logins.at(-1)!.notes.push(...notes)
    }
  }
  return logins
}
