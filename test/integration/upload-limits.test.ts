import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { readdir } from 'node:fs/promises'
import path from 'node:path'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MODULES } from '../../src/registry.ts'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { agentFor, cookieOf } from '../helpers/agent.ts'
import { createTenant } from '../helpers/factories.ts'
import { probeModule } from '../helpers/probe-module.ts'

const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n')
const BOUNDARY = '----kabinet-test-boundary'
/** The probe's upload form: two files of 64 KB at most, so its whole request may carry 1 MB + 128 KB. */
const CAP = 1024 * 1024 + 2 * 64 * 1024

const part = (headers: string) => Buffer.from(`--${BOUNDARY}\r\n${headers}\r\n\r\n`)
const filePart = (name: string) =>
  part(`Content-Disposition: form-data; name="scan"; filename="${name}"\r\nContent-Type: application/pdf`)

describe('upload requests: streamed to disk, capped as a whole, malformed bodies refused', () => {
  let t: TestApp
  let tenant: Awaited<ReturnType<typeof createTenant>>
  let server: http.Server
  let port: number

  beforeAll(async () => {
    t = await createTestApp({ modules: [...MODULES, probeModule] })
    tenant = await createTenant(t.db.owner)
    server = http.createServer(t.app)
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
    port = (server.address() as AddressInfo).port
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise((done) => server.close(done))
    await t.close()
  })

  async function signedForm() {
    const agent = agentFor(t.app, tenant.host)
    await agent.get('/probe/form')
    return { token: agent.csrfToken, cookie: cookieOf(agent), agent }
  }

  async function fileCount(): Promise<number> {
    return withTenant(t.deps.db, tenant.id, async (trx) =>
      Number((await trx('files').count<{ c: string }[]>('* as c'))[0]!.c),
    )
  }

  /** Files still in the tenant's incoming directory, once the request's clean-up has run. */
  async function incomingLeft(): Promise<string[]> {
    const dir = path.join(t.deps.config.filesDir, tenant.id, 'incoming')
    for (let i = 0; i < 50; i++) {
      const left = await readdir(dir).catch(() => [])
      if (left.length === 0) return left
      await new Promise((r) => setTimeout(r, 20))
    }
    return readdir(dir)
  }

  /**
   * Sends a body from `chunks` until the server answers (or the chunks run out), the way
   * a browser keeps sending while a server may already have replied.
   */
  async function send(
    headers: Record<string, string>,
    chunks: Iterable<Buffer>,
  ): Promise<{ status: number; text: string; sent: number }> {
    const { token, cookie } = await signedForm()
    return new Promise((resolve, reject) => {
      let sent = 0
      let answered = false
      const req = http.request({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: `/probe/upload?_csrf=${token}`,
        headers: {
          Host: tenant.host,
          Origin: `http://${tenant.host}`,
          Cookie: cookie,
          'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`,
          ...headers,
        },
      })
      req.on('response', (res) => {
        answered = true
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => (text += c))
        res.on('end', () => resolve({ status: res.statusCode!, text, sent }))
        res.on('error', reject)
      })
      // The server may close the connection while we are still sending: that is the point.
      req.on('error', (err) => (answered ? undefined : reject(err)))
      void (async () => {
        for (const chunk of chunks) {
          if (answered || req.destroyed) return
          sent += chunk.length
          if (!req.write(chunk))
            await new Promise<void>((r) => {
              const done = () => r()
              req.once('drain', done)
              req.once('response', done)
              req.once('close', done)
            })
        }
        if (!answered) req.end()
      })()
    })
  }

  function* endless(first: Buffer, size = 64 * 1024): Generator<Buffer> {
    yield first
    const filler = Buffer.alloc(size, 0x41)
    for (let i = 0; i < 50_000; i++) yield filler
  }

  it('answers 413 from a Content-Length over the cap, before reading the body', async () => {
    const before = await fileCount()
    const res = await send({ 'Content-Length': String(1.5 * 1024 ** 3) }, endless(filePart('huge.pdf')))
    expect(res.status).toBe(413)
    expect(res.text).toContain('The files are too large')
    expect(res.text).toContain('A form can send at most 1.1 MB of files at once')
    // Answered long before 1.5 GB: the body was never read to its end.
    expect(res.sent).toBeLessThan(64 * 1024 * 1024)
    expect(await fileCount()).toBe(before)
    expect(await incomingLeft()).toEqual([])
  })

  it('answers 413 as soon as a body without a length passes the cap, and keeps nothing of it', async () => {
    const before = await fileCount()
    const res = await send({ 'Transfer-Encoding': 'chunked' }, endless(filePart('huge.pdf')))
    expect(res.status).toBe(413)
    expect(res.text).toContain('The files are too large')
    expect(res.sent).toBeGreaterThan(CAP)
    expect(res.sent).toBeLessThan(CAP + 32 * 1024 * 1024)
    expect(await fileCount()).toBe(before)
    expect(await incomingLeft()).toEqual([])
  })

  it('streams an accepted file through an incoming file that is gone once it is kept or refused', async () => {
    const body = (name: string, content: Buffer) =>
      Buffer.concat([filePart(name), content, Buffer.from(`\r\n--${BOUNDARY}--\r\n`)])
    const kept = await send({}, [body('plan.pdf', PDF)])
    expect(kept.status).toBe(201)
    const refused = await send({}, [body('plan.pdf', Buffer.from('not a pdf at all'))])
    expect(refused.status).toBe(422)
    const big = await send({}, [body('big.pdf', Buffer.concat([PDF, Buffer.alloc(80 * 1024)]))])
    expect(big.status).toBe(422)
    expect(big.text).toContain('The file must be smaller than 64')
    expect(await incomingLeft()).toEqual([])
  })

  /** Bodies no browser sends, each of which answered 500 before. */
  const MALFORMED: [string, string, Buffer][] = [
    ['no boundary', 'multipart/form-data', Buffer.concat([filePart('a.pdf'), PDF])],
    [
      'cut off inside a file',
      `multipart/form-data; boundary=${BOUNDARY}`,
      Buffer.concat([filePart('a.pdf'), PDF]),
    ],
    [
      'line ends without CR',
      `multipart/form-data; boundary=${BOUNDARY}`,
      Buffer.from(
        `--${BOUNDARY}\nContent-Disposition: form-data; name="scan"; filename="a.pdf"\n\n${PDF.toString()}\n--${BOUNDARY}--\n`,
      ),
    ],
    [
      'a 200 KB field name',
      `multipart/form-data; boundary=${BOUNDARY}`,
      Buffer.concat([
        part(`Content-Disposition: form-data; name="${'n'.repeat(200 * 1024)}"`),
        Buffer.from(`x\r\n--${BOUNDARY}--\r\n`),
      ]),
    ],
    [
      'a NUL byte in a file name',
      `multipart/form-data; boundary=${BOUNDARY}`,
      Buffer.concat([filePart('plan\u0000.pdf'), PDF, Buffer.from(`\r\n--${BOUNDARY}--\r\n`)]),
    ],
  ]

  it.each(MALFORMED)(
    'answers a malformed body (%s) with 400 and stores nothing',
    async (_name, type, body) => {
      const before = await fileCount()
      const { token, agent } = await signedForm()
      const res = await agent.raw
        .post(`/probe/upload?_csrf=${token}`)
        .set('Host', tenant.host)
        .set('Origin', `http://${tenant.host}`)
        .set('Content-Type', type)
        .send(body)
      expect(res.status).toBe(400)
      expect(res.text).toContain('The request could not be read')
      expect(await fileCount()).toBe(before)
      expect(await incomingLeft()).toEqual([])
    },
  )

  it('keeps a file whose name carries direction overrides (which disguise an extension), under the name without them', async () => {
    const { token, agent } = await signedForm()
    const res = await agent.raw
      .post(`/probe/upload?_csrf=${token}`)
      .set('Host', tenant.host)
      .set('Origin', `http://${tenant.host}`)
      .set('Content-Type', `multipart/form-data; boundary=${BOUNDARY}`)
      .send(Buffer.concat([filePart('plan\u202egpj\u2066.pdf'), PDF, Buffer.from(`\r\n--${BOUNDARY}--\r\n`)]))
    expect(res.status).toBe(201)
    const [id] = (res.body as { ids: string[] }).ids
    const row = await withTenant(t.deps.db, tenant.id, (trx) => trx('files').where({ id }).first())
    expect(row.original_name).toBe('plangpj.pdf')
    expect((await request(t.app).get(`/probe/files/${id}`).set('Host', tenant.host)).status).toBe(200)
  })
})
