import { moduleQueues } from '../registry.ts'
import { parseArgs } from 'node:util'
import { loadConfig } from '../config.ts'
import { resolveDatabase } from '../db/bootstrap.ts'
import { createKnex } from '../db/knex.ts'
import { migrate } from '../db/migrate.ts'
import { createI18n } from '../platform/i18n/index.ts'
import { SERVICE_CODES } from '../platform/tenancy/settings.ts'
import {
  addHost,
  createTenant,
  listTenants,
  removeHost,
  setDisabled,
  type Outcome,
} from '../modules/tenants/provisioning.ts'

const USAGE = `usage:
  npm run tenant -- create --slug <slug> --name <name> --locale <en|pl|ru|zh-CN> --time-zone <Area/City>
                          --support-email <email> --base-url <https://host> [--services a,b] [--host <host>]...
  npm run tenant -- list
  npm run tenant -- host add|remove --tenant <slug> --host <host>
  npm run tenant -- disable|enable --tenant <slug>
services: ${SERVICE_CODES.join(', ')}`

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    slug: { type: 'string' },
    name: { type: 'string' },
    locale: { type: 'string' },
    'time-zone': { type: 'string' },
    'support-email': { type: 'string' },
    'base-url': { type: 'string' },
    services: { type: 'string' },
    host: { type: 'string', multiple: true },
    tenant: { type: 'string' },
  },
})

function report<T>(outcome: Outcome<T>, done: (value: T) => string): void {
  if (outcome.ok) process.stdout.write(`${done(outcome.value)}\n`)
  else {
    for (const line of outcome.errors) console.error(line)
    process.exitCode = 1
  }
}

const [command, sub] = positionals
const config = loadConfig()
const database = await resolveDatabase(config)
const owner = createKnex(database.ownerUrl, { poolMax: 2, queryTimeoutMs: 0 })
try {
  await migrate(database.ownerUrl, moduleQueues())
  const t = (await createI18n()).t('en')
  if (command === 'create') {
    const locale = values.locale ?? ''
    report(
      await createTenant(owner, t, {
        slug: values.slug ?? '',
        hosts: values.host ?? [],
        settings: {
          name: values.name ?? '',
          // Checked by the settings schema, which names the field when it is not a locale.
          defaultLocale: locale as 'en',
          timeZone: values['time-zone'] ?? '',
          branding: { primaryColour: '#1d70b8' },
          enabledServices: (values.services ?? '')
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean) as (typeof SERVICE_CODES)[number][],
          supportEmail: values['support-email'] ?? '',
          publicBaseUrl: values['base-url'] ?? '',
        },
      }),
      (tenant) =>
        `Tenant ${tenant.slug} created. Next: npm run admin:create -- --tenant ${tenant.slug} --email <email>`,
    )
  } else if (command === 'list') {
    for (const tenant of await listTenants(owner))
      process.stdout.write(
        `${tenant.slug}\t${tenant.settings.name}\t${tenant.disabled ? 'disabled' : 'enabled'}\t${tenant.hosts.join(' ') || '(no host)'}\n`,
      )
  } else if (command === 'host' && (sub === 'add' || sub === 'remove')) {
    const [host] = values.host ?? []
    const outcome =
      sub === 'add'
        ? await addHost(owner, values.tenant ?? '', host ?? '')
        : await removeHost(owner, values.tenant ?? '', host ?? '')
    report(outcome, (change) =>
      change === 'unchanged'
        ? `${host} ${sub === 'add' ? 'already names' : 'does not name'} ${values.tenant}; nothing to do.`
        : `${host} ${sub === 'add' ? 'now names' : 'no longer names'} ${values.tenant}.`,
    )
  } else if (command === 'disable' || command === 'enable') {
    report(
      await setDisabled(owner, values.tenant ?? '', command === 'disable'),
      (tenant) => `Tenant ${tenant.slug} ${command}d.`,
    )
  } else {
    console.error(USAGE)
    process.exitCode = 2
  }
} finally {
  await owner.destroy()
  await database.embedded?.stop()
}
