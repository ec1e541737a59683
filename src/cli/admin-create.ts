import { parseArgs } from 'node:util'
import { loadConfig } from '../config.ts'
import { resolveDatabase } from '../db/bootstrap.ts'
import { createKnex } from '../db/knex.ts'
import { migrate } from '../db/migrate.ts'
import { createFirstAdministrator } from '../modules/operators/bootstrap.ts'

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
try {
  await migrate(database.ownerUrl)
  const result = await createFirstAdministrator(owner, {
    slug: values.tenant,
    email: values.email,
    name: values.name ?? values.email,
  })
  if ('error' in result) {
    console.error(result.error)
    process.exitCode = 1
  } else {
    process.stdout.write(
      `Administrator ${values.email} created for ${values.tenant}.\nSet the password (single use, 72 hours): ${result.link}\n`,
    )
  }
} finally {
  await owner.destroy()
  await database.embedded?.stop()
}
