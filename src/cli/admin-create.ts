import { moduleQueues } from '../registry.ts'
import { parseArgs } from 'node:util'
import { loadConfig } from '../config.ts'
import { resolveDatabase } from '../db/bootstrap.ts'
import { createKnex } from '../db/knex.ts'
import { migrate } from '../db/migrate.ts'
import { createFirstAdministrator } from '../modules/operators/bootstrap.ts'
import { createI18n } from '../platform/i18n/index.ts'
import { createBoss } from '../platform/jobs.ts'
import { createOutbox } from '../platform/mail/outbox.ts'
import { createMailRenderer } from '../platform/mail/render.ts'

/**
 * `npm run admin:create -- --tenant <slug> --email <email> [--name <name>]`: the first
 * administrator of a tenant, with no password; prints a single-use link to set one.
 */
const { values } = parseArgs({
  options: { tenant: { type: 'string' }, email: { type: 'string' }, name: { type: 'string' } },
})
if (!values.tenant || !values.email) {
  console.error('usage: npm run admin:create -- --tenant <slug> --email <email> [--name <name>]')
  process.exit(2)
}
const config = loadConfig()
const database = await resolveDatabase(config)
const owner = createKnex(database.ownerUrl, { poolMax: 2, queryTimeoutMs: 0 })
const boss = createBoss(database.ownerUrl, (err) => console.error(err.message), { sendOnly: true })
try {
  await migrate(database.ownerUrl, moduleQueues())
  await boss.start()
  const outbox = createOutbox(boss, createMailRenderer(await createI18n()))
  const result = await createFirstAdministrator(owner, outbox, {
    slug: values.tenant,
    email: values.email,
    name: values.name ?? values.email,
  })
  if ('error' in result) {
    console.error(result.error)
    process.exitCode = 1
  } else {
    process.stdout.write(
      `Administrator ${values.email} created for ${values.tenant}; the link was emailed too.\nSet the password (single use, 72 hours): ${result.link}\n`,
    )
  }
} finally {
  await boss.stop({ graceful: false }).catch(() => {})
  await owner.destroy()
  await database.embedded?.stop()
}
