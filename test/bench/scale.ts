import path from 'node:path'
import { startNginx, startPortal } from '../smoke/kit.ts'
import { run, type Result } from './load.ts'

/**
 * Issue 18 item 8: pages through nginx (docker/nginx.conf) to one portal process, then to
 * two, on the bench's database; each process is a `src/server.ts` of its own.
 */
export async function benchScaleOut(
  db: { runtimeUrl: string; ownerUrl: string; sessionSecret: string; dir: string; host: string },
  pages: readonly (readonly [name: string, cookie: string, path: string])[],
): Promise<{ page: string; one: Result; two: Result }[]> {
  // NODE_ENV=test: the bench's session cookies (sid, not __Host-sid) fit these processes.
  const env = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'test',
    DATABASE_URL: db.runtimeUrl,
    MIGRATION_DATABASE_URL: db.ownerUrl,
    SESSION_SECRET: db.sessionSecret,
    VAR_DIR: db.dir,
    FILES_DIR: path.join(db.dir, 'files'),
    LOG_LEVEL: 'silent',
    TRUST_PROXY_HOPS: '1',
    SHUTDOWN_DRAIN_MS: '0',
  }
  const portals = await Promise.all([startPortal(env), startPortal(env)])
  const proxies = [
    await startNginx(db.dir, [portals[0].port]),
    await startNginx(db.dir, [portals[0].port, portals[1].port]),
  ]
  const [one, two] = proxies.map((p) => `http://127.0.0.1:${p.port}`) as [string, string]
  const results: { page: string; one: Result; two: Result }[] = []
  try {
    for (const [page, cookie, pagePath] of pages)
      results.push({
        page,
        one: await run(`${page}, 1 process`, one, db.host, cookie, pagePath),
        two: await run(`${page}, 2 processes`, two, db.host, cookie, pagePath),
      })
  } finally {
    for (const p of proxies) p.process.kill('SIGQUIT')
    for (const p of portals) p.process.kill('SIGTERM')
    await Promise.all(portals.map((p) => p.exited))
  }
  return results
}
