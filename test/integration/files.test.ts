import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { MODULES } from '../../src/registry.ts'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { agentFor } from '../helpers/agent.ts'
import { createTenant } from '../helpers/factories.ts'
import { probeModule } from '../helpers/probe-module.ts'

const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n')
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex')

describe('uploads and downloads', () => {
  let t: TestApp
  let a: Awaited<ReturnType<typeof createTenant>>
  let b: Awaited<ReturnType<typeof createTenant>>

  beforeAll(async () => {
    t = await createTestApp({ modules: [...MODULES, probeModule] })
    a = await createTenant(t.db.owner)
    b = await createTenant(t.db.owner)
  })
  afterAll(() => t.close())

  async function upload(
    host: string,
    files: { name: string; body: Buffer; type?: string }[],
    origin = `http://${host}`,
  ) {
    const agent = agentFor(t.app, host)
    await agent.get('/probe/form')
    let req = agent.raw.post(`/probe/upload?_csrf=${agent.csrfToken}`).set('Host', host)
    if (origin) req = req.set('Origin', origin)
    // A browser submits the form as multipart even when no file was chosen.
    req = req.field('note', 'scan of the signed application')
    for (const f of files)
      req = req.attach('scan', f.body, { filename: f.name, contentType: f.type ?? 'application/pdf' })
    return req
  }

  async function fileCount(tenantId: string): Promise<number> {
    return withTenant(t.deps.db, tenantId, async (trx) =>
      Number((await trx('files').count<{ c: string }[]>('* as c'))[0]!.c),
    )
  }

  it('stores an allowed file under a server key with its sha256, and serves it back as an attachment', async () => {
    const res = await upload(a.host, [{ name: 'заявка №1.pdf', body: PDF }])
    expect(res.status).toBe(201)
    const [id] = (res.body as { ids: string[] }).ids
    const row = await withTenant(t.deps.db, a.id, (trx) => trx('files').where({ id }).first())
    expect(row.sha256).toBe(createHash('sha256').update(PDF).digest('hex'))
    expect(row.storage_key).toMatch(new RegExp(`^${a.id}/[a-f0-9]{2}/[a-f0-9]{2}/[a-f0-9]{40}$`))
    expect(row.original_name).toBe('заявка №1.pdf')
    const download = await request(t.app).get(`/probe/files/${id}`).set('Host', a.host).buffer(true)
    expect(download.status).toBe(200)
    expect(download.headers['content-type']).toBe('application/pdf')
    expect(download.headers['content-disposition']).toContain(
      "filename*=UTF-8''%D0%B7%D0%B0%D1%8F%D0%B2%D0%BA%D0%B0%20%E2%84%961.pdf",
    )
    expect(Buffer.from(download.body as Buffer).equals(PDF)).toBe(true)
  })

  it('judges the type by magic bytes, not by name or claimed type', async () => {
    const before = await fileCount(a.id)
    const html = await upload(a.host, [
      {
        name: 'scan.pdf',
        body: Buffer.from('<html><script>alert(1)</script></html>'),
        type: 'application/pdf',
      },
    ])
    expect(html.status).toBe(422)
    expect(JSON.stringify(html.body)).toContain('The selected file must be one of: PDF, PNG')
    const svg = await upload(a.host, [
      { name: 'logo.png', body: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), type: 'image/png' },
    ])
    expect(svg.status).toBe(422)
    const png = await upload(a.host, [{ name: 'photo.pdf', body: PNG }])
    expect(png.status).toBe(201)
    expect(await fileCount(a.id)).toBe(before + 1)
  })

  it('enforces size and count limits with a field message, storing nothing', async () => {
    const before = await fileCount(a.id)
    const big = Buffer.concat([PDF, Buffer.alloc(70 * 1024)])
    const tooBig = await upload(a.host, [{ name: 'big.pdf', body: big }])
    expect(tooBig.status).toBe(422)
    expect(JSON.stringify(tooBig.body)).toMatch(/The file must be smaller than 64/)
    const tooMany = await upload(
      a.host,
      [1, 2, 3].map((i) => ({ name: `${i}.pdf`, body: PDF })),
    )
    expect(tooMany.status).toBe(422)
    expect(JSON.stringify(tooMany.body)).toContain('Select no more than 2 files')
    const none = await upload(a.host, [])
    expect(none.status).toBe(422)
    expect(await fileCount(a.id)).toBe(before)
  })

  it('refuses a cross-origin upload before reading it, and one without a CSRF token', async () => {
    const cross = await upload(a.host, [{ name: 'x.pdf', body: PDF }], 'https://evil.example')
    expect(cross.status).toBe(403)
    const noToken = await request(t.app)
      .post('/probe/upload')
      .set('Host', a.host)
      .set('Origin', `http://${a.host}`)
      .attach('scan', PDF, 'x.pdf')
    // Our upload forms carry the token in the action URL: without it the body is refused unread.
    expect(noToken.status).toBe(415)
    const wrongToken = await request(t.app)
      .post('/probe/upload?_csrf=forged')
      .set('Host', a.host)
      .set('Origin', `http://${a.host}`)
      .attach('scan', PDF, 'x.pdf')
    expect(wrongToken.status).toBe(403)
  })

  it('never serves one tenant’s file on another tenant’s host, even with its id', async () => {
    const res = await upload(a.host, [{ name: 'private.pdf', body: PDF }])
    const [id] = (res.body as { ids: string[] }).ids
    const onB = await request(t.app).get(`/probe/files/${id}`).set('Host', b.host)
    expect(onB.status).toBe(404)
    const guess = await request(t.app).get('/probe/files/not-a-uuid').set('Host', a.host)
    expect(guess.status).toBe(404)
  })

  async function documents(
    host: string,
    owner: string,
    parts: [field: string, name: string, body: Buffer][],
  ) {
    const agent = agentFor(t.app, host)
    await agent.get('/probe/form')
    let req = agent.raw
      .post(`/probe/documents/${owner}?_csrf=${agent.csrfToken}`)
      .set('Host', host)
      .set('Origin', `http://${host}`)
      .field('title', 'Grid connection, building 3')
    for (const [field, name, body] of parts) req = req.attach(field, body, { filename: name })
    return { res: await req, agent }
  }

  it('takes several named file fields in one form, each with its own limits, and attaches them', async () => {
    const { res, agent } = await documents(a.host, 'probe', [
      ['scan', 'plan.pdf', PDF],
      ['scan', 'site.png', PNG],
      ['photo', 'meter.png', PNG],
    ])
    expect(res.status).toBe(201)
    const body = res.body as { attachments: { id: string; field: string }[] }
    expect(body.attachments.map((x) => x.field)).toEqual(['scan', 'scan', 'photo'])
    const download = await agent.raw.get(`/probe/attachments/${body.attachments[2]!.id}`).set('Host', a.host)
    expect(download.status).toBe(200)
    expect(download.headers['content-disposition']).toContain('meter.png')
    expect(Buffer.from(download.body as Buffer).equals(PNG)).toBe(true)
    // Another tenant's host, a made-up id and an owner the requester may not see: all 404.
    expect(
      (await request(t.app).get(`/probe/attachments/${body.attachments[0]!.id}`).set('Host', b.host)).status,
    ).toBe(404)
    expect((await request(t.app).get('/probe/attachments/not-an-id').set('Host', a.host)).status).toBe(404)
    const secret = await documents(a.host, 'secret', [['scan', 'plan.pdf', PDF]])
    const secretId = (secret.res.body as { attachments: { id: string }[] }).attachments[0]!.id
    expect((await request(t.app).get(`/probe/attachments/${secretId}`).set('Host', a.host)).status).toBe(404)
  })

  it('reports each field’s problem beside that field, and stores nothing', async () => {
    const before = await withTenant(t.db.owner, a.id, async (trx) =>
      Number((await trx('attachments').count<{ count: string }[]>())[0]!.count),
    )
    const wrong = await documents(a.host, 'probe', [
      ['scan', 'plan.pdf', PDF],
      ['photo', 'meter.pdf', PDF],
    ])
    expect(wrong.res.status).toBe(422)
    expect((wrong.res.body as { errors: { href: string; text: string }[] }).errors).toEqual([
      { field: 'photo', href: '#photo', text: 'The selected file must be one of: PNG' },
    ])
    const big = await documents(a.host, 'probe', [
      ['scan', 'plan.pdf', PDF],
      ['photo', 'big.png', Buffer.concat([PNG, Buffer.alloc(2048)])],
    ])
    expect((big.res.body as { errors: { href: string }[] }).errors.map((e) => e.href)).toEqual(['#photo'])
    const missing = await documents(a.host, 'probe', [['photo', 'meter.png', PNG]])
    expect((missing.res.body as { errors: { href: string }[] }).errors.map((e) => e.href)).toEqual(['#scan'])
    const after = await withTenant(t.db.owner, a.id, async (trx) =>
      Number((await trx('attachments').count<{ count: string }[]>())[0]!.count),
    )
    expect(after).toBe(before)
  })
})

describe('orphaned files', () => {
  it('are swept after a day; files with a row stay, and so do fresh uploads', async () => {
    const { sweepOrphanFiles } = await import('../../src/platform/files/index.ts')
    const { utimes } = await import('node:fs/promises')
    const path = await import('node:path')
    const t = await createTestApp({ modules: [...MODULES, probeModule] })
    try {
      const tenant = await createTenant(t.db.owner)
      const agent = agentFor(t.app, tenant.host)
      await agent.get('/probe/form')
      const kept = await agent.raw
        .post(`/probe/upload?_csrf=${agent.csrfToken}`)
        .set('Host', tenant.host)
        .set('Origin', `http://${tenant.host}`)
        .attach('scan', PDF, 'kept.pdf')
      const [keptId] = (kept.body as { ids: string[] }).ids
      const keptRow = await withTenant(t.deps.db, tenant.id, (trx) =>
        trx('files').where({ id: keptId }).first(),
      )
      const put = async () => {
        const incoming = await t.deps.files.incoming(tenant.id)
        await new Promise<void>((done) => incoming.stream.end(PNG, done))
        return t.deps.files.keep(tenant.id, incoming.path, { sha256: 'unchecked', size: PNG.length })
      }
      const orphan = await put()
      const fresh = await put()
      const old = new Date(Date.now() - 2 * 86_400_000)
      for (const key of [keptRow.storage_key as string, orphan.key])
        await utimes(path.join(t.deps.config.filesDir, key), old, old)

      expect(await sweepOrphanFiles(t.deps.db, t.deps.files, [tenant.id], new Date())).toBe(1)
      const left = await t.deps.files.listOlderThan(tenant.id, new Date(Date.now() + 1000))
      expect(left.sort()).toEqual([keptRow.storage_key, fresh.key].sort())
    } finally {
      await t.close()
    }
  })
})
