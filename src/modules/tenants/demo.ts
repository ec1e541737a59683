import { SIMULATOR_URL } from '../../simulator/amr.ts'
import type { Knex } from 'knex'
import { withTenant } from '../../db/tenant-scope.ts'
import { demoLogins } from '../../platform/demo.ts'
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
      // Polish household tariff groups (REFERENCE.md "Meter readings").
      modules: {
        readings: {
          tariffs: [
            { code: 'G11', zones: ['total'] },
            { code: 'G12', zones: ['day', 'night'] },
            { code: 'G12w', zones: ['peak', 'offpeak'] },
            { code: 'G13', zones: ['peak', 'semipeak', 'offpeak'] },
          ],
        },
      },
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
      // AMR data from the back-office simulator that `npm start` runs beside the portal.
      modules: { calendar: { country: 'RU' }, readings: { amrHeadEnd: SIMULATOR_URL } },
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
      modules: { calendar: { country: 'CN' }, market: { customerSystem: SIMULATOR_URL } },
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

/** A demo tenant's back-office addresses (AMR head-end, customer system) point at wherever the simulator runs. */
function withSimulator(settings: DemoTenant['settings'], simulatorUrl: string): DemoTenant['settings'] {
  const modules = { ...settings.modules }
  const readings = modules.readings as { amrHeadEnd?: string } | undefined
  if (readings?.amrHeadEnd) modules.readings = { ...readings, amrHeadEnd: simulatorUrl }
  const market = modules.market as { customerSystem?: string } | undefined
  if (market?.customerSystem) modules.market = { ...market, customerSystem: simulatorUrl }
  return { ...settings, modules }
}

export function demoBaseUrl(slug: string, port: number): string {
  return `http://${slug}.localhost${port === 80 ? '' : `:${port}`}`
}

/**
 * Creates or refreshes the demo tenants (hosts `<slug>.localhost`), with one
 * administrator and one customer each (the accounts' and operators' modules' demo data), then
 * every other module's demo data. Runs as the owner role; each tenant is written
 * inside its own tenant context, like everything else.
 */
export async function seedDemo(
  owner: Knex,
  port: number,
  modules: readonly KabinetModule[],
  simulatorUrl = SIMULATOR_URL,
): Promise<DemoLogin[]> {
  const logins: DemoLogin[] = []
  for (const demo of DEMO_TENANTS) {
    const url = demoBaseUrl(demo.slug, port)
    const login = demoLogins(demo.slug)
    logins.push({
      tenantId: demo.id,
      tenant: demo.settings.name,
      url,
      email: login.adminEmail,
      password: login.adminPassword,
      customerEmail: login.customerEmail,
      customerPassword: login.customerPassword,
      totpSecret: login.adminTotpSecret,
      notes: [],
    })
    const settings = { ...withSimulator(demo.settings, simulatorUrl), publicBaseUrl: url }
    await withTenant(owner, demo.id, async (trx) => {
      if (await tenantExists(trx, demo.slug)) {
        // Development data follows the code: a newer demo configuration replaces the stored one.
        await trx('tenants')
          .where({ id: demo.id })
          .update({ settings: TenantSettings.parse(settings), updated_at: trx.fn.now() })
      } else {
        await insertTenant(trx, { id: demo.id, slug: demo.slug, settings, hosts: [`${demo.slug}.localhost`] })
      }
    })
    for (const mod of modules) {
      const notes = await mod.demo?.(owner, {
        id: demo.id,
        slug: demo.slug,
        url,
        settings: TenantSettings.parse(settings),
      })
      if (notes) logins.at(-1)!.notes.push(...notes)
    }
  }
  return logins
}
