import { flash } from '../../http/flash.ts'
import { Router, type Response } from 'express'
import { z } from 'zod'
import type { Deps } from '../../deps.ts'
import type { TenantServices } from './services.ts'
import { renderInvalid, wholeNumber } from '../../http/forms.ts'
import { LOCALES } from '../../platform/i18n/locales.ts'
import { effectiveMinLength } from '../../platform/passwords.ts'
import { requireOperator } from '../operators/index.ts'
import { TenantSettings, type Tenant } from '../../platform/tenancy/settings.ts'
import type { DefinedModuleSettings } from '../../platform/tenancy/module-settings.ts'

/** The identifiers a tenant can ask for, each on the kind of party it belongs to. */
export const IDENTIFIER_CHOICES = [
  ['pl.nip', 'legal'],
  ['pl.regon', 'legal'],
  ['pl.pesel', 'individual'],
  ['ru.inn', 'legal'],
  ['ru.ogrn', 'legal'],
  ['ru.kpp', 'legal'],
  ['ru.ogrnip', 'individual'],
  ['ru.snils', 'individual'],
  ['cn.uscc', 'legal'],
  ['cn.residentId', 'individual'],
] as const

const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : [])

/** Form field → where its value lives in the settings, so errors land beside the right field. */
const FIELD_OF: Record<string, string> = {
  'branding.primaryColour': 'primaryColour',
  'registration.modes': 'registrationModes',
  'registration.oneTimePasswordDays': 'oneTimePasswordDays',
  'passwordPolicy.minLength': 'minLength',
  'links.privacy': 'link_privacy',
  'links.cookies': 'link_cookies',
  'links.accessibility': 'link_accessibility',
  'links.contact': 'link_contact',
}

function fromForm(
  body: Record<string, unknown>,
  current: Tenant['settings'],
  parts: readonly DefinedModuleSettings[],
): Record<string, unknown> {
  const asked = list(body.identifiersAsked)
  const required = new Set(list(body.identifiersRequired))
  const consentText: Record<string, string> = {}
  for (const l of LOCALES) {
    const value = body[`consent_${l}`]
    if (typeof value === 'string' && value.trim()) consentText[l] = value.trim()
  }
  const consentChanged = JSON.stringify(consentText) !== JSON.stringify(current.consent.text)
  return {
    ...current,
    name: body.name,
    defaultLocale: body.defaultLocale,
    timeZone: typeof body.timeZone === 'string' ? body.timeZone.trim() : body.timeZone,
    branding: {
      ...current.branding,
      primaryColour: typeof body.primaryColour === 'string' ? body.primaryColour.trim() : '',
    },
    supportEmail: body.supportEmail,
    publicBaseUrl: body.publicBaseUrl,
    registration: {
      modes: list(body.registrationModes),
      oneTimePasswordDays: wholeNumber(body.oneTimePasswordDays),
      loginName: body.loginName === 'yes',
    },
    passwordPolicy: {
      minLength: wholeNumber(body.minLength),
      requireComposition: body.requireComposition === 'yes',
    },
    customerTwoStep: body.customerTwoStep === 'yes',
    partyIdentifiers: IDENTIFIER_CHOICES.filter(([kind]) => asked.includes(kind)).map(([kind, party]) => ({
      kind,
      party,
      required: required.has(kind),
    })),
    // Changing the consent text makes a new version: earlier consents stay tied to the old one.
    consent: { version: current.consent.version + (consentChanged ? 1 : 0), text: consentText },
    links: Object.fromEntries(
      LINKS.flatMap((name) => {
        const value = body[`link_${name}`]
        return typeof value === 'string' && value.trim() ? [[name, value.trim()]] : []
      }),
    ),
    modules: { ...current.modules, ...Object.fromEntries(parts.map((p) => [p.name, p.fromForm(body)])) },
  }
}

/**
 * The platform's settings and each module's part, validated together: errors from all of
 * them, each beside its field, and nothing saved unless every part is valid.
 */
function validate(
  candidate: Record<string, unknown>,
  parts: readonly DefinedModuleSettings[],
): { settings: Tenant['settings'] } | { issues: { field: string; message: string }[] } {
  const core = TenantSettings.safeParse(candidate)
  const issues = core.success
    ? []
    : core.error.issues
        .filter((issue) => issue.path[0] !== 'modules')
        .map((issue) => {
          const path = issue.path.map(String).join('.')
          return { field: FIELD_OF[path] ?? issue.path.map(String)[0] ?? 'name', message: issue.message }
        })
  const modules: Record<string, unknown> = {}
  const given = candidate.modules as Record<string, unknown>
  for (const part of parts) {
    const parsed = part.schema.safeParse(given[part.name])
    if (parsed.success) modules[part.name] = parsed.data
    else
      issues.push(
        ...parsed.error.issues.map((i) => ({ field: i.path.map(String).join('_'), message: i.message })),
      )
  }
  if (issues.length || !core.success) return { issues }
  return { settings: { ...core.data, modules: { ...core.data.modules, ...modules } } }
}

const LINKS = ['privacy', 'cookies', 'accessibility', 'contact'] as const

const SettingsSubmission = z.record(z.string(), z.unknown())

/** Tenant settings, for administrators: validated as a whole, audited, effective at once. */
export function tenantAdminRoutes(
  deps: Deps,
  tenants: TenantServices,
  parts: readonly DefinedModuleSettings[],
): Router {
  const router = Router()
  router.use('/admin/settings', requireOperator(deps, 'admin'))
  const pageLocals = (res: Response, settings: unknown) => ({
    s: settings,
    choices: IDENTIFIER_CHOICES,
    parts: parts.map((p) => ({
      view: p.view,
      values: (settings as Tenant['settings']).modules[p.name] ?? {},
    })),
    locales: LOCALES,
    effectiveMin: effectiveMinLength(res.locals.tenant!.settings.passwordPolicy),
  })

  router.get('/admin/settings', (_req, res) => {
    const settings = res.locals.tenant!.settings
    // A part the tenant never saved shows its defaults.
    const modules = Object.fromEntries(parts.map((p) => [p.name, p.of(res.locals.tenant!)]))
    res.render('admin/tenants/settings', { ...pageLocals(res, { ...settings, modules }), errors: [] })
  })
  router.post('/admin/settings', async (req, res) => {
    const tenant = res.locals.tenant!
    const candidate = fromForm(SettingsSubmission.parse(req.body ?? {}), tenant.settings, parts)
    const result = validate(candidate, parts)
    if ('issues' in result) {
      const errors = result.issues.map(({ field, message }) => {
        const key = message.includes('.') ? message : `settings.errors.${field}`
        return { field, text: res.locals.t(key), href: `#${field}` }
      })
      const unique = errors.filter((e, i) => errors.findIndex((x) => x.field === e.field) === i)
      return renderInvalid(res, 'admin/tenants/settings', unique, {}, pageLocals(res, candidate))
    }
    await tenants.saveSettings(res.locals.ctx, result.settings)
    flash(req, { key: 'admin.settings.saved' })
    res.redirect(303, '/admin/settings')
  })
  return router
}
