import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, chmodSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { TestProject } from 'vitest/node'
import { startEmbeddedPostgres, type EmbeddedCluster } from '../src/db/embedded.ts'
import { createKnex } from '../src/db/knex.ts'
import { moduleQueues } from '../src/registry.ts'
import { migrate } from '../src/db/migrate.ts'
import { OWNER_ROLE, createDatabase, ensureRoles, withCredentials } from '../src/db/roles.ts'

export interface TestDatabaseInfo {
  superuserUrl: string
  template: string
  passwords: { owner: string; app: string }
}

declare module 'vitest' {
  export interface ProvidedContext {
    database: TestDatabaseInfo
  }
}

/**
 * One PostgreSQL for the run (embedded, or TEST_DATABASE_URL as a superuser), one
 * migrated template database; each test file clones it (test/helpers/db.ts).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let cluster: EmbeddedCluster | undefined
  let dir: string | undefined
  let superuserUrl = process.env.TEST_DATABASE_URL
  if (!superuserUrl) {
    dir = mkdtempSync(path.join(tmpdir(), 'kabinet-test-'))
    // The postgres system user (used when we run as root) must reach the data directory.
    chmodSync(dir, 0o755)
    cluster = await startEmbeddedPostgres(path.join(dir, 'pg'), { disposable: true })
    superuserUrl = cluster.url
  }
  const passwords = { owner: randomBytes(12).toString('hex'), app: randomBytes(12).toString('hex') }
  const template = `kabinet_template_${randomBytes(4).toString('hex')}`
  const su = createKnex(superuserUrl, { poolMax: 1 })
  await ensureRoles(su, passwords)
  await createDatabase(su, template)
  await migrate(withCredentials(superuserUrl, template, OWNER_ROLE, passwords.owner), moduleQueues())
  project.provide('database', { superuserUrl, template, passwords })

  return async () => {
    if (cluster) {
      await su.destroy()
      await cluster.stop()
    } else {
      const { rows } = await su.raw<{ rows: { datname: string }[] }>(
        `SELECT datname FROM pg_database WHERE datname LIKE ? OR datname = ?`,
        [`${template}_f%`, template],
      )
      for (const { datname } of rows) await su.raw(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`)
      await su.destroy()
    }
    if (dir) rmSync(dir, { recursive: true, force: true })
  }
}
