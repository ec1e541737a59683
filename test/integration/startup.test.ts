import { type ChildProcess, spawn } from 'node:child_process'
import { request as httpRequest } from 'node:http'
import { connect } from 'node:net'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../../src/db/embedded.ts'
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts'
import { createTenant } from '../helpers/factories.ts'

const SERVER = path.resolve(import.meta.dirname, '../../src/server.ts')
const CRASH_PRELOAD = path.resolve(import.meta.dirname, '../helpers/crash-on-signal.ts')

// A test that fails half-way must not leave a server (or its database) running for the rest of the run.
const children = new Set<ChildProcess>()
function track(child: ChildProcess): ChildProcess {
  children.add(child)
  child.once('exit', () => children.delete(child))
  return child
}
function spawnServer(
  args: string[],
  options: { env: Record<string, string>; stdio: ['ignore', 'pipe', 'pipe'] },
) {
  const child = spawn(process.execPath, args, options)
  track(child)
  return child
}
afterEach(() => {
  for (const child of children) child.kill('SIGTERM')
})

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

function run(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SERVER], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

describe('process start-up checks', () => {
  let db: TestDatabase
  beforeAll(async () => {
    db = await createTestDatabase()
  })
  afterAll(() => db.drop())

  it('stops with one line naming a bad variable', async () => {
    const result = await run({ NODE_ENV: 'production', PORT: 'eighty' })
    expect(result.code).toBe(1)
    expect(result.stderr.trim()).toMatch(/^Invalid configuration: PORT [^\n]+$/)
  })

  it('refuses to start in production when the runtime role could bypass row-level security', async () => {
    const superuser = new URL(db.superuserUrl)
    superuser.pathname = `/${db.name}`
    const result = await run({
      NODE_ENV: 'production',
      PORT: '0',
      DATABASE_URL: superuser.toString(),
      MIGRATION_DATABASE_URL: db.ownerUrl,
      SESSION_SECRET: 'x'.repeat(40),
      SMTP_URL: 'smtp://127.0.0.1:2525',
      LOG_LEVEL: 'info',
    })
    expect(result.code).toBe(1)
    expect(result.stdout).toContain('refusing to start')
    expect(result.stdout).toContain('is a superuser')
    expect(result.stdout).not.toContain('kabinet listening')
  })

  it('on SIGTERM answers every request that reached it, in flight or just connected, then exits 0', async () => {
    const tenant = await createTenant(db.owner)
    const port = await freePort()
    const child = spawnServer([SERVER], {
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        PORT: String(port),
        DATABASE_URL: db.runtimeUrl,
        MIGRATION_DATABASE_URL: db.ownerUrl,
        SESSION_SECRET: 'x'.repeat(40),
        LOG_LEVEL: 'info',
        SHUTDOWN_DRAIN_MS: '1500',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    for (let i = 0; i < 100 && !stdout.includes('kabinet listening'); i++)
      await new Promise((r) => setTimeout(r, 100))
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200)

    // A request in flight: its body is still arriving when the signal comes.
    const body = 'login=someone%40example.com&password=not+the+right+one'
    const slow = connect(port, '127.0.0.1')
    const slowAnswer = new Promise<string>((resolve) => {
      let got = ''
      slow.on('data', (c: Buffer) => (got += c.toString()))
      slow.on('close', () => resolve(got))
      slow.on('error', () => resolve(got))
    })
    slow.write(
      `POST /login HTTP/1.1\r\nHost: ${tenant.host}\r\nContent-Type: application/x-www-form-urlencoded\r\n` +
        `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.slice(0, 10)}`,
    )
    // Thirty posts that have just connected.
    const posts = Array.from(
      { length: 30 },
      () =>
        new Promise<number | string>((resolve) => {
          const req = httpRequest(
            {
              host: '127.0.0.1',
              port,
              method: 'POST',
              path: '/login',
              agent: false,
              headers: { Host: tenant.host, 'Content-Type': 'application/x-www-form-urlencoded' },
            },
            (res) => {
              res.resume()
              res.on('end', () => resolve(res.statusCode ?? 0))
            },
          )
          req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'))
          req.end('login=a&password=b')
        }),
    )
    await new Promise((r) => setTimeout(r, 20))
    child.kill('SIGTERM')
    await new Promise((r) => setTimeout(r, 300))
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(503)
    slow.end(body.slice(10))

    const statuses = await Promise.all(posts)
    expect(statuses.filter((s) => typeof s !== 'number')).toEqual([])
    expect(await slowAnswer).toMatch(/^HTTP\/1\.1 403 /)
    expect(await exited).toBe(0)
    expect(stdout).toContain('shutting down')
    expect(stdout).toContain('"msg":"stopped"')
  })

  it.for(['exception', 'rejection'])(
    'exits 1 on an uncaught %s (so a process manager restarts it), and its embedded PostgreSQL stops with it',
    { timeout: 90_000 },
    async (kind) => {
      const varDir = mkdtempSync(path.join(tmpdir(), 'kabinet-crash-'))
      chmodSync(varDir, 0o755)
      try {
        const child = spawnServer(['--import', CRASH_PRELOAD, SERVER], {
          env: {
            PATH: process.env.PATH ?? '',
            NODE_ENV: 'test',
            PORT: String(await freePort()),
            VAR_DIR: varDir,
            LOG_LEVEL: 'info',
            KABINET_TEST_CRASH: kind,
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        })
        let out = ''
        let err = ''
        child.stdout.on('data', (c: Buffer) => (out += c.toString()))
        child.stderr.on('data', (c: Buffer) => (err += c.toString()))
        const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
        for (let i = 0; i < 600 && !out.includes('kabinet listening') && child.exitCode === null; i++)
          await new Promise((r) => setTimeout(r, 100))
        expect(out, err).toContain('kabinet listening')
        const database = Number(
          readFileSync(path.join(varDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0],
        )

        child.kill('SIGUSR2')
        expect(await exited).toBe(1)
        expect(err).toContain(
          `Kabinet stopped on an unexpected error (${kind === 'exception' ? 'uncaughtException' : 'unhandledRejection'})`,
        )
        expect(err).toContain(`probe ${kind}`)
        for (let i = 0; i < 100 && isAlive(database); i++) await new Promise((r) => setTimeout(r, 100))
        expect(isAlive(database)).toBe(false)
      } finally {
        rmSync(varDir, { recursive: true, force: true })
      }
    },
  )

  it('recovers by itself after a hard kill left the embedded PostgreSQL running', async () => {
    const varDir = mkdtempSync(path.join(tmpdir(), 'kabinet-orphan-'))
    chmodSync(varDir, 0o755)
    const start = async () => {
      const port = await freePort()
      const child = spawnServer([SERVER], {
        env: {
          PATH: process.env.PATH ?? '',
          NODE_ENV: 'test',
          PORT: String(port),
          VAR_DIR: varDir,
          LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let out = ''
      child.stdout.on('data', (c: Buffer) => (out += c.toString()))
      child.stderr.on('data', (c: Buffer) => (out += c.toString()))
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
      for (let i = 0; i < 600 && !out.includes('kabinet listening') && child.exitCode === null; i++)
        await new Promise((r) => setTimeout(r, 100))
      return { child, port, exited, output: () => out }
    }
    try {
      const first = await start()
      expect(first.output()).toContain('kabinet listening')
      const pidFile = path.join(varDir, 'postgres', 'postmaster.pid')
      const orphan = Number(readFileSync(pidFile, 'utf8').split('\n')[0])
      first.child.kill('SIGKILL')
      await first.exited
      expect(() => process.kill(orphan, 0)).not.toThrow()

      const second = await start()
      expect(second.output(), second.output()).toContain('kabinet listening')
      expect((await fetch(`http://127.0.0.1:${second.port}/readyz`)).status).toBe(200)
      second.child.kill('SIGTERM')
      expect(await second.exited).toBe(0)
      expect(() => process.kill(orphan, 0)).toThrow()
    } finally {
      const pidFile = path.join(varDir, 'postgres', 'postmaster.pid')
      if (existsSync(pidFile)) {
        const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0])
        if (isAlive(pid)) process.kill(pid, 'SIGQUIT')
      }
      rmSync(varDir, { recursive: true, force: true })
    }
  }, 120_000)
})
