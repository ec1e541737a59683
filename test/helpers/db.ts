import { randomBytes } from 'node:crypto'
import type { Knex } from 'knex'
import { inject } from 'vitest'
import { createKnex } from '../../src/db/knex.ts'
import { APP_ROLE, OWNER_ROLE, createDatabase, withCredentials } from '../../src/db/roles.ts'

export interface TestDatabase {
  name: string
  runtimeUrl: string
  ownerUrl: string
  superuserUrl: string
  /** Owner role connection, for factories (still held to RLS: it is FORCEd). */
  owner: Knex
  drop(): Promise<void>
}

/** A fresh database cloned from the migrated template: each test file gets its own. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const { superuserUrl, template, passwords } = inject('database')
  const name = `${template}_f${randomBytes(5).toString('hex')}`
  const su = createKnex(superuserUrl, { poolMax: 1 })
  try {
    await createDatabase(su, name, template)
  } finally {
    await su.destroy()
  }
  const ownerUrl = withCredentials(superuserUrl, name, OWNER_ROLE, passwords.owner)
  // The owner seeds tests' data, some of it in bulk: on a loaded machine that outlasts the
  // app's 4 s client timeout, which the app's own (runtime) connections keep.
  const owner = createKnex(ownerUrl, { poolMax: 3, queryTimeoutMs: 60_000 })
  return {
    name,
    runtimeUrl: withCredentials(superuserUrl, name, APP_ROLE, passwords.app),
    ownerUrl,
    superuserUrl,
    owner,
    async drop() {
      await owner.destroy()
      const s = createKnex(superuserUrl, { poolMax: 1 })
      try {
        await s.raw(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
      } finally {
        await s.destroy()
      }
    },
  }
}
