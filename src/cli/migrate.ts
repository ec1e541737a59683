import { moduleQueues } from '../registry.ts'
import { loadConfig } from '../config.ts'
import { resolveDatabase } from '../db/bootstrap.ts'
import { migrate } from '../db/migrate.ts'

const config = loadConfig()
const database = await resolveDatabase(config)
try {
  const applied = await migrate(database.ownerUrl, moduleQueues())
  process.stdout.write(applied.length ? `Applied: ${applied.join(', ')}\n` : 'Already up to date.\n')
} finally {
  await database.embedded?.stop()
}
