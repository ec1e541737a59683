import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withTenant } from '../../src/db/tenant-scope.ts'
import { registerConfirmed, signedIn } from '../helpers/accounts.ts'
import { multipart, postApplication, READING, seedType } from '../helpers/applications.ts'
import { cookieOf } from '../helpers/agent.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { createTenant } from '../helpers/factories.ts'
import { createOperator, operatorSignIn } from '../helpers/operators.ts'
import { openStream } from '../helpers/sse.ts'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.ts'

const PASSWORD = 'pełnomocnik 2026 lipiec'
const DAY = 86_400_000

/** The test clock's day (2026-11-21, 09:00 UTC) and the days after it, in Warsaw. */
const TODAY = '2026-11-21'

describe('representation: an account lets another act for it in one service, for a period', () => {
  let smtp: SmtpSink
  let t: TestApp
  let worlds = 0

  /** Each test its own tenant: a household, an installer and two scheduling agents. */
  const world = async () => {
    worlds += 1
    const tenant = await createTenant(t.db.owner, { enabledServices: ['applications', 'pgb'] })
    await seedType(t.db.owner, tenant.id, 'reading', READING)
    const emails = {
      household: `dom${worlds}@example.com`,
      installer: `solar${worlds}@example.com`,
      agentA: `agent-a${worlds}@example.com`,
      agentB: `agent-b${worlds}@example.com`,
    }
    for (const email of Object.values(emails)) await registerConfirmed(t, smtp, tenant.host, email, PASSWORD)
    const as = (who: keyof typeof emails) => signedIn(t, tenant.host, emails[who], PASSWORD)
    const idOf = (who: keyof typeof emails) =>
      withTenant(t.db.owner, tenant.id, (trx) =>
        trx('customers').where({ email: emails[who] }).first<{ id: string }>('id'),
      ).then((r) => r.id)
    const rows = () =>
      withTenant(t.db.owner, tenant.id, (trx) =>
        trx('representation_grants').orderBy('created_at').select<
          {
            service: string
            status: string
            representative_email: string
            starts: Date
            ends: Date | null
          }[]
        >('service', 'status', 'representative_email', trx.raw('lower(period) AS starts'), trx.raw('upper(period) AS ends')),
      )
    /** The household offers a grant; the answer as it came. */
    const offer = async (
      agent: Awaited<ReturnType<typeof as>>,
      to: keyof typeof emails,
      service: string,
      permissions: string[],
      from = TODAY,
      until = '2027-06-30',
    ) => {
      await agent.get('/account/representatives/new')
      return agent.post('/account/representatives/new', {
        email: emails[to],
        service,
        permissions,
        from,
        until,
      })
    }
    /** `who` accepts the newest offer to them and switches to the household. */
    const acceptAndSwitch = async (who: keyof typeof emails) => {
      const agent = await as(who)
      const page = await agent.get('/account/represented')
      const id = /represented\/([0-9a-f-]{36})\/accept/.exec(page.text)![1]!
      expect((await agent.post(`/account/represented/${id}/accept`)).status).toBe(303)
      await agent.get('/account/acting')
      expect((await agent.post('/account/acting', { account: await idOf('household') })).status).toBe(303)
      return agent
    }
    /** A reading application sent by `agent` (for whichever account it acts for); its id. */
    const submit = async (agent: Awaited<ReturnType<typeof as>>, text: string) => {
      const sent = await postApplication(agent, '/services/applications/new/reading', {
        text,
        action: 'submit',
      })
      expect(sent.status).toBe(303)
      return /applications\/([0-9a-f-]{36})\/sent/.exec(sent.headers.location!)![1]!
    }
    /** The household's application, and the installer granted to see it, acting for the household. */
    const installerFollowsAnApplication = async () => {
      const household = await as('household')
      const id = await submit(household, 'Ours')
      await offer(household, 'installer', 'applications', ['applications:view'])
      const installer = await acceptAndSwitch('installer')
      expect((await installer.get(`/services/applications/${id}`)).status).toBe(200)
      return { household, id, installer }
    }
    return { tenant, emails, as, idOf, rows, offer, acceptAndSwitch, submit, installerFollowsAnApplication }
  }

  beforeAll(async () => {
    smtp = await startSmtpSink()
    t = await createTestApp({ smtpUrl: smtp.url, mailWorker: true })
  })
  afterAll(async () => {
    await t.close()
    await smtp.close()
  })

  it('an installer accepts, files an application that belongs to the household, and nothing else is open to it', async () => {
    const w = await world()
    const household = await w.as('household')
    const res = await w.offer(household, 'installer', 'applications', ['applications:submit'])
    expect(res.status).toBe(303)
    const mail = await smtp.waitFor(
      (m) => m.envelopeTo.includes(w.emails.installer) && /represented/.test(m.text ?? ''),
    )
    expect(mail.text).toContain('from 21 November 2026 to 30 June 2027')
    // Offered is not yet allowed: the switch to the household is refused.
    const early = await w.as('installer')
    await early.get('/account/acting')
    expect((await early.post('/account/acting', { account: await w.idOf('household') })).status).toBe(404)

    const installer = await w.acceptAndSwitch('installer')
    expect((await installer.get('/cabinet')).text).toContain('data-testid="acting-for"')
    const id = await w.submit(installer, 'PV 6 kW on the roof')
    const stored = await withTenant(t.db.owner, w.tenant.id, async (trx) => ({
      owner: (await trx('applications').where({ id }).first('customer_id')).customer_id as string,
      by: await trx('status_history').where({ subject_id: id }).select('actor_id'),
    }))
    expect(stored.owner).toBe(await w.idOf('household'))
    expect(stored.by).toEqual([{ actor_id: await w.idOf('installer') }])
    // The household sees it; the installer may not plan, enrol, or manage the household's people.
    expect((await household.get(`/services/applications/${id}`)).status).toBe(200)
    for (const path of [
      '/services/pgb',
      '/account/services',
      '/account/colleagues',
      '/account/representatives',
    ])
      expect((await installer.get(path)).status, path).toBe(404)
  })

  it('a grant that asks for it copies the household’s emails about its service to the representative', async () => {
    const w = await world()
    const household = await w.as('household')
    for (const [to, notify] of [
      ['installer', 'yes'],
      ['agentA', ''],
    ] as const) {
      await household.get('/account/representatives/new')
      const offered = await household.post('/account/representatives/new', {
        email: w.emails[to],
        service: 'applications',
        permissions: ['applications:view'],
        from: TODAY,
        until: '2027-06-30',
        notify,
      })
      expect(offered.status).toBe(303)
      await w.acceptAndSwitch(to)
    }
    expect((await household.get('/account/representatives')).text).toContain('copies of emails')
    await w.submit(household, 'Copied to the installer')
    const receipt = (to: string) => (m: (typeof smtp.messages)[number]) =>
      m.envelopeTo.includes(to) && /application SP-2026-000001 received/.test(m.subject ?? '')
    await smtp.waitFor(receipt(w.emails.household))
    const copy = await smtp.waitFor(receipt(w.emails.installer))
    expect(copy.attachments).toHaveLength(1)
    // The other representative's grant does not ask for copies: nothing reaches them.
    await new Promise((r) => setTimeout(r, 500))
    expect(smtp.messages.filter(receipt(w.emails.agentA))).toEqual([])
  })

  it('ending a grant refuses the representative’s next request and keeps the grant, cut at that moment', async () => {
    const w = await world()
    const { household, id, installer } = await w.installerFollowsAnApplication()

    // The application's live page is open on the installer's side.
    const server = t.app.listen(0)
    await new Promise((r) => server.once('listening', r))
    const stream = await openStream(
      (server.address() as AddressInfo).port,
      w.tenant.host,
      `/services/applications/${id}/live`,
      {
        Cookie: cookieOf(installer),
      },
    )
    try {
      expect(stream.status).toBe(200)
      await expect(stream.waitForEnd(300)).rejects.toThrow('still open')

      const page = await household.get('/account/representatives')
      const grant = /representatives\/([0-9a-f-]{36})\/end/.exec(page.text)![1]!
      expect((await household.post(`/account/representatives/${grant}/end`)).status).toBe(303)
      expect((await installer.get(`/services/applications/${id}`)).status).toBe(404)
      // …and the open stream is closed by the server.
      await stream.waitForEnd()
    } finally {
      stream.close()
      server.closeAllConnections()
      server.close()
    }
    const [row] = await w.rows()
    expect(row!.status).toBe('ended')
    // It began today at the tenant's midnight and was cut at the test clock's now.
    expect(row!.ends).toEqual(t.clock.now())
  })

  it('the installer firm’s people act under its grant as far as their role in the firm allows, until it ends', async () => {
    const w = await world()
    const household = await w.as('household')
    await w.offer(household, 'installer', 'applications', ['applications:submit'])
    const firmLogin = await w.acceptAndSwitch('installer')
    expect((await firmLogin.get('/cabinet')).status).toBe(200)
    // The firm has a fitter who may file applications and a dispatcher who only sees schedules.
    const fitterEmail = `fitter${worlds}@example.com`
    const dispatcherEmail = `dispatcher${worlds}@example.com`
    for (const email of [fitterEmail, dispatcherEmail])
      await registerConfirmed(t, smtp, w.tenant.host, email, PASSWORD)
    const firm = await w.idOf('installer')
    const personId = (email: string) =>
      withTenant(t.db.owner, w.tenant.id, (trx) =>
        trx('customers').where({ email }).first<{ id: string }>('id'),
      ).then((r) => r.id)
    const [fitterId, dispatcherId] = [await personId(fitterEmail), await personId(dispatcherEmail)]
    await withTenant(t.db.owner, w.tenant.id, (trx) =>
      trx('account_members').insert([
        {
          tenant_id: w.tenant.id,
          account_id: firm,
          person_id: fitterId,
          role: 'colleague',
          permissions: ['applications:submit'],
        },
        {
          tenant_id: w.tenant.id,
          account_id: firm,
          person_id: dispatcherId,
          role: 'colleague',
          permissions: ['pgb:view'],
        },
      ]),
    )
    const householdId = await w.idOf('household')
    const fitter = await signedIn(t, w.tenant.host, fitterEmail, PASSWORD)
    expect((await fitter.get('/account/acting')).text).toContain(w.emails.household)
    expect((await fitter.post('/account/acting', { account: householdId })).status).toBe(303)
    // What the fitter files is the household's, and on record as the fitter's.
    const id = await w.submit(fitter, 'Filed by the firm’s fitter')
    const filed = await withTenant(t.db.owner, w.tenant.id, (trx) =>
      trx('applications')
        .where({ id })
        .first<{ customer_id: string; filed_by: string }>('customer_id', 'filed_by'),
    )
    expect(filed).toEqual({ customer_id: householdId, filed_by: fitterId })

    // The dispatcher's role in the firm covers nothing of this grant: the household is not theirs to act for.
    const dispatcher = await signedIn(t, w.tenant.host, dispatcherEmail, PASSWORD)
    expect((await dispatcher.get('/account/acting')).text).not.toContain(w.emails.household)
    expect((await dispatcher.post('/account/acting', { account: householdId })).status).toBe(404)

    // The household ends the grant: the fitter's next request is their own again.
    const page = await household.get('/account/representatives')
    const grant = /representatives\/([0-9a-f-]{36})\/end/.exec(page.text)![1]!
    expect((await household.post(`/account/representatives/${grant}/end`)).status).toBe(303)
    expect((await fitter.get(`/services/applications/${id}`)).status).toBe(404)
    expect((await fitter.get('/cabinet')).text).not.toContain('data-testid="acting-for"')
  })

  it('a grant starts and ends at its moment, though what a person may do is kept between requests', async () => {
    const w = await world()
    const household = await w.as('household')
    const id = await w.submit(household, 'Ours')
    await w.offer(household, 'installer', 'applications', ['applications:submit'])
    const installer = await w.acceptAndSwitch('installer')
    await w.offer(household, 'installer', 'applications', ['applications:chat'], '2026-11-22')
    const offers = await installer.get('/account/represented')
    const second = /represented\/([0-9a-f-]{36})\/accept/.exec(offers.text)![1]!
    expect((await installer.post(`/account/represented/${second}/accept`)).status).toBe(303)
    // The first grant ends in 20 s, the second begins in 10 s (as if at midnight).
    const at = (s: number) => new Date(t.clock.now().getTime() + s * 1000)
    await withTenant(t.db.owner, w.tenant.id, async (trx) => {
      await trx('representation_grants')
        .where({ id: second })
        .update({ period: trx.raw(`tstzrange(?, upper(period), '[)')`, [at(10)]) })
      await trx('representation_grants')
        .whereNot({ id: second })
        .update({ period: trx.raw(`tstzrange(lower(period), ?, '[)')`, [at(20)]) })
    })
    // Written behind the app's back: its processes hear of it on commit; wait until this one has.
    await new Promise((r) => setTimeout(r, 300))
    const message = async () => {
      await installer.get(`/services/applications/${id}`)
      return (
        await multipart(installer, `/services/applications/${id}/messages`).field('body', 'Panels fitted')
      ).status
    }
    const fileOne = async () =>
      (
        await postApplication(installer, '/services/applications/new/reading', {
          text: 'Meter',
          action: 'submit',
        })
      ).status
    try {
      expect(await message()).toBe(404)
      t.clock.advance(11_000)
      expect(await message()).toBe(303)
      expect(await fileOne()).toBe(303)
      t.clock.advance(10_000)
      expect(await fileOne()).toBe(404)
    } finally {
      t.clock.advance(-21_000)
    }
  })

  it('a grant ends by itself after its last day, with no job run', async () => {
    const w = await world()
    const household = await w.as('household')
    const id = await w.submit(household, 'Ours')
    await w.offer(household, 'installer', 'applications', ['applications:view'], TODAY, TODAY)
    const installer = await w.acceptAndSwitch('installer')
    expect((await installer.get(`/services/applications/${id}`)).status).toBe(200)
    // An open session across the end: the grant is made to end in ten minutes (as if its last
    // day were ending), and eleven minutes later the same session finds nothing.
    const soon = new Date(t.clock.now().getTime() + 10 * 60_000)
    await withTenant(t.db.owner, w.tenant.id, (trx) =>
      trx('representation_grants').update({ period: trx.raw(`tstzrange(lower(period), ?, '[)')`, [soon]) }),
    )
    t.clock.advance(11 * 60_000)
    try {
      expect((await installer.get(`/services/applications/${id}`)).status).toBe(404)
    } finally {
      t.clock.advance(-11 * 60_000)
    }
    t.clock.advance(DAY)
    try {
      // A day on, the session has timed out too: signed in again, the household is not theirs to act for.
      const later = await w.as('installer')
      expect((await later.get(`/services/applications/${id}`)).status).toBe(404)
      await later.get('/account/acting')
      expect((await later.post('/account/acting', { account: await w.idOf('household') })).status).toBe(404)
      expect((await later.get('/account/represented')).text).toContain('govuk-tag--grey')
    } finally {
      t.clock.advance(-DAY)
    }
    expect((await w.rows())[0]!.status).toBe('active')
  })

  it('PGB has one representative at a time: of two overlapping grants made at once exactly one stands', async () => {
    const w = await world()
    const [one, two] = await Promise.all([w.as('household'), w.as('household')])
    const answers = await Promise.all([
      w.offer(one, 'agentA', 'pgb', ['pgb:approve'], '2026-12-01', '2027-03-31'),
      w.offer(two, 'agentB', 'pgb', ['pgb:edit'], '2027-01-01', '2027-12-31'),
    ])
    expect(answers.map((a) => a.status).sort()).toEqual([303, 422])
    const refused = answers.find((a) => a.status === 422)!
    expect(refused.text).toContain('covers some of these days')
    expect((await w.rows()).filter((r) => r.service === 'pgb')).toHaveLength(1)
    // Days after the standing one, and any number of application grants, are fine.
    const standing = (await w.rows())[0]!
    const after =
      standing.representative_email === w.emails.agentA
        ? ['2027-04-01', '2027-06-30']
        : ['2028-01-01', '2028-02-01']
    expect((await w.offer(one, 'agentB', 'pgb', ['pgb:view'], after[0], after[1])).status).toBe(303)
    expect((await w.offer(one, 'installer', 'applications', ['applications:view'])).status).toBe(303)
    expect((await w.offer(one, 'agentA', 'applications', ['applications:chat'])).status).toBe(303)
  })

  it('a declined offer frees its days, and only its addressee can take it', async () => {
    const w = await world()
    const household = await w.as('household')
    await w.offer(household, 'agentA', 'pgb', ['pgb:approve'])
    const grant = /represented\/([0-9a-f-]{36})\/accept/.exec(
      (await (await w.as('agentA')).get('/account/represented')).text,
    )![1]!
    const intruder = await w.as('agentB')
    await intruder.get('/account/represented')
    expect((await intruder.post(`/account/represented/${grant}/accept`)).status).toBe(404)
    const agentA = await w.as('agentA')
    await agentA.get('/account/represented')
    expect((await agentA.post(`/account/represented/${grant}/decline`)).status).toBe(303)
    expect((await w.offer(household, 'agentB', 'pgb', ['pgb:approve'])).status).toBe(303)
    expect((await w.rows()).map((r) => r.status)).toEqual(['declined', 'offered'])
  })

  it('a bad offer is 422 with a message beside each field, and nothing is stored or sent', async () => {
    const w = await world()
    const household = await w.as('household')
    const before = smtp.messages.length
    const cases: [Record<string, string | string[]>, string][] = [
      [{ service: 'pgb', permissions: ['pgb:edit'], from: '2026-11-20', until: '2026-12-01' }, '#from'],
      [{ service: 'pgb', permissions: ['pgb:edit'], from: '2026-12-10', until: '2026-12-01' }, '#until'],
      [{ service: 'pgb', permissions: ['pgb:edit'], from: '2026-02-30', until: '2026-12-01' }, '#from'],
      [
        { service: 'pgb', permissions: ['applications:submit'], from: TODAY, until: '2026-12-01' },
        '#permissions',
      ],
      [{ service: 'pgb', permissions: [], from: TODAY, until: '2026-12-01' }, '#permissions'],
      [{ service: 'market', permissions: ['market:edit'], from: TODAY, until: '2026-12-01' }, '#service'],
      [
        { email: 'nobody', service: 'pgb', permissions: ['pgb:edit'], from: TODAY, until: '2026-12-01' },
        '#email',
      ],
    ]
    for (const [fields, href] of cases) {
      await household.get('/account/representatives/new')
      const res = await household.post('/account/representatives/new', { email: w.emails.agentA, ...fields })
      expect(res.status, JSON.stringify(fields)).toBe(422)
      expect(res.text, JSON.stringify(fields)).toContain(`href="${href}"`)
    }
    expect(await w.rows()).toEqual([])
    await new Promise((r) => setTimeout(r, 300))
    expect(smtp.messages.length).toBe(before)
  })

  it('staff see a customer’s people and grants and end a grant with a reason, audited', async () => {
    const w = await world()
    const { household, id, installer } = await w.installerFollowsAnApplication()

    const staff = (await operatorSignIn(t, w.tenant.host, await createOperator(t, w.tenant.id, 'operator')))
      .agent
    const customer = await w.idOf('household')
    expect((await staff.get(`/admin/customers/${customer}`)).text).toContain('data-testid="people-link"')
    const page = await staff.get(`/admin/customers/${customer}/people`)
    expect(page.status).toBe(200)
    expect(page.text).toContain(w.emails.installer)
    const grant = /people\/grants\/([0-9a-f-]{36})\/end/.exec(page.text)![1]!

    // No reason: 422 beside the field, nothing ended.
    const refused = await staff.post(`/admin/customers/${customer}/people/grants/${grant}/end`, {
      reason: ' ',
    })
    expect(refused.status).toBe(422)
    expect(refused.text).toContain(`href="#reason-${grant}"`)
    expect((await w.rows())[0]!.status).toBe('active')

    await staff.get(`/admin/customers/${customer}/people`)
    const ended = await staff.post(`/admin/customers/${customer}/people/grants/${grant}/end`, {
      reason: 'The household phoned: the installer no longer works for them',
    })
    expect(ended.status).toBe(303)
    expect((await installer.get(`/services/applications/${id}`)).status).toBe(404)
    const row = await withTenant(t.db.owner, w.tenant.id, (trx) =>
      trx('representation_grants').where({ id: grant }).first('status', 'ended_by', 'end_reason'),
    )
    expect(row).toEqual({
      status: 'ended',
      ended_by: 'operator',
      end_reason: 'The household phoned: the installer no longer works for them',
    })
    const audited = await withTenant(t.db.owner, w.tenant.id, (trx) =>
      trx('audit_log').where({ action: 'organisations.grant-ended' }).first('actor_type', 'details'),
    )
    expect(audited.actor_type).toBe('operator')
    expect(audited.details.reason).toBe('The household phoned: the installer no longer works for them')
    // Both sides see why.
    expect((await household.get('/account/representatives')).text).toContain('no longer works for them')
  })
})
