import { MODULES, moduleQueues } from '../registry.ts'
import { loadConfig } from '../config.ts'
import { resolveDatabase } from '../db/bootstrap.ts'
import { createKnex } from '../db/knex.ts'
import { migrate } from '../db/migrate.ts'
import { seedDemo } from '../modules/tenants/index.ts'

const config = loadConfig()
if (config.isProduction) {
  console.error('seed:demo creates accounts with published passwords and is refused in production')
  process.exit(1)
}
const database = await resolveDatabase(config)
const owner = createKnex(database.ownerUrl, { poolMax: 2, queryTimeoutMs: 0 })
try {
  await migrate(database.ownerUrl, moduleQueues())
  for (const login of await seedDemo(owner, config.port, MODULES, config.simulatorUrl)) {
    process.stdout.write(
      `${login.tenant}: ${login.url}/  customer ${login.customerEmail} / ${login.customerPassword}  staff ${login.email} / ${login.password} TOTP ${login.totpSecret}\n`,
    )
  }
} finally {
  await owner.destroy()
  await database.embedded?.stop()
}
